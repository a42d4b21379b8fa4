"""3-D convolution, division by a constant, max pooling, global average pooling, bias add, sum over channels."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv3d, divides by divisor, MaxPool3d, AdaptiveAvgPool3d to 1x1x1, adds a bias, then sums over sum_dim."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple, divisor: float, pool_size: tuple,
                 bias_shape: tuple, sum_dim: int):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size)
        self.divisor = divisor
        self.max_pool = nn.MaxPool3d(pool_size)
        self.global_avg_pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.bias = nn.Parameter(torch.randn(bias_shape))
        self.sum_dim = sum_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = x / self.divisor
        x = self.max_pool(x)
        x = self.global_avg_pool(x)
        x = x + self.bias
        x = torch.sum(x, dim=self.sum_dim)
        return x


batch_size = 128
in_channels = 8
out_channels = 16
depth = 16
height = 64
width = 64
kernel_size = (3, 3, 3)
divisor = 2.0
pool_size = (2, 2, 2)
bias_shape = (out_channels, 1, 1, 1)
sum_dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "in_channels": 4, "out_channels": 8, "depth": 6, "height": 10, "width": 10}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, divisor, pool_size, bias_shape, sum_dim]
