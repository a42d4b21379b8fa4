"""2-D convolution, average pooling, sigmoid, then a sum over all non-batch dimensions."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv2d, AvgPool2d, sigmoid, then sums each sample to one value."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, pool_kernel_size: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.avg_pool = nn.AvgPool2d(pool_kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = self.avg_pool(x)
        x = torch.sigmoid(x)
        x = torch.sum(x, dim=[1, 2, 3])
        return x


batch_size = 128
in_channels = 8
out_channels = 64
height = 384
width = 384
kernel_size = 3
pool_kernel_size = 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "out_channels": 16, "height": 22, "width": 22}}


def get_inputs():
    # Per-sample offsets from -1 to 1: with i.i.d. noise alone every sample sums to nearly the same number.
    offsets = torch.linspace(-1.0, 1.0, batch_size).view(batch_size, 1, 1, 1)
    x = torch.randn(batch_size, in_channels, height, width) + offsets
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, pool_kernel_size]
