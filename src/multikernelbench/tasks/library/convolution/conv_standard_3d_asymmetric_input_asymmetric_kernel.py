"""Standard 3-D convolution with a (depth, height, width) = (3, 5, 7) kernel on a non-cubic volume."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies nn.Conv3d with the stored (depth, height, width) kernel size."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple,
        stride: tuple = (1,
        1,
        1),
        padding: tuple = (0,
        0,
        0),
        dilation: tuple = (1,
        1,
        1),
        groups: int = 1,
        bias: bool = False,
    ):
        super().__init__()
        self.conv3d = nn.Conv3d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            bias=bias,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3d(x)


batch_size = 8
in_channels = 3
out_channels = 64
kernel_size = (3, 5, 7)
depth = 16
height = 128
width = 128

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "out_channels": 16, "depth": 8, "height": 16, "width": 16}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size]
