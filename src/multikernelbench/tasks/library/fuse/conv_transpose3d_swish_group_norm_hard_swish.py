"""3-D transposed convolution, Swish, group normalization, then HardSwish."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, x * sigmoid(x), GroupNorm, F.hardswish."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, groups, eps, bias=True):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride,
                                                 padding=padding, bias=bias)
        self.group_norm = nn.GroupNorm(num_groups=groups, num_channels=out_channels, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = torch.sigmoid(x) * x
        x = self.group_norm(x)
        return torch.nn.functional.hardswish(x)


batch_size = 128
in_channels = 3
out_channels = 16
kernel_size = 3
stride = 2
padding = 1
groups = 4
eps = 1e-05
depth = 16
height = 32
width = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "depth": 4, "height": 8, "width": 8}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, groups, eps]
