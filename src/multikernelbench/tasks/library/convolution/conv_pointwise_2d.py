"""Pointwise (1x1) 2-D convolution mapping in_channels to out_channels on a large square input."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies a 1x1 nn.Conv2d (stride 1, no padding)."""

    def __init__(self, in_channels: int, out_channels: int, bias: bool = False):
        super().__init__()
        self.conv1d = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv1d(x)


batch_size = 16
in_channels = 64
out_channels = 128
width = 1024
height = 1024

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 16, "out_channels": 32, "width": 64, "height": 64}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels]
