"""3-D transposed convolution without bias, ReLU, then group normalization."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, ReLU, GroupNorm with `groups` groups."""

    def __init__(self, in_channels, out_channels, kernel_size, groups, bias=False):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, bias=bias)
        self.relu = nn.ReLU()
        self.group_norm = nn.GroupNorm(num_groups=groups, num_channels=out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = self.relu(x)
        return self.group_norm(x)


batch_size = 16
in_channels = 64
out_channels = 128
kernel_size = 3
groups = 8
bias = False
depth = 8
height = 16
width = 16

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 16, "depth": 4, "height": 6, "width": 6}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, groups, bias]
