"""Transposed 3-D convolution with a cubic kernel, stride 2 and padding on a non-cubic volume (groups stays 1, as published)."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies nn.ConvTranspose3d with a cubic kernel, the stored stride and padding, and the groups it receives."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        output_padding: int = 0,
        groups: int = 1,
        bias: bool = False,
    ):
        super().__init__()
        # As published: get_init_inputs passes groups in the output_padding position, so groups stays 1
        # and output_padding (= 4 here) is accepted but not passed on to the layer.
        self.conv_transpose3d = nn.ConvTranspose3d(
            in_channels,
            out_channels,
            kernel_size=(kernel_size, kernel_size, kernel_size),
            stride=stride,
            padding=padding,
            groups=groups,
            bias=bias,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_transpose3d(x)


batch_size = 4
in_channels = 32
out_channels = 32
kernel_size = 3
depth = 32
height = 64
width = 128
stride = 2
padding = 1
groups = 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 8, "depth": 4, "height": 8, "width": 16}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, groups]
