"""2-D convolution, a learned per-channel bias add and scale, sigmoid, then group normalization."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv2d, adds a bias, multiplies by a scale, applies sigmoid, then GroupNorm."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, num_groups: int, bias_shape: tuple,
                 scale_shape: tuple):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.bias = nn.Parameter(torch.randn(bias_shape))
        self.scale = nn.Parameter(torch.randn(scale_shape))
        self.group_norm = nn.GroupNorm(num_groups, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = x + self.bias
        x = x * self.scale
        x = torch.sigmoid(x)
        x = self.group_norm(x)
        return x


batch_size = 128
in_channels = 8
out_channels = 32
height = 256
width = 256
kernel_size = 3
num_groups = 8
bias_shape = (out_channels, 1, 1)
scale_shape = (out_channels, 1, 1)

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "height": 16, "width": 16}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, num_groups, bias_shape, scale_shape]
