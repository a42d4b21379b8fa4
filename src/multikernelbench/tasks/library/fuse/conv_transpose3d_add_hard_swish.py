"""3-D transposed convolution, a residual add of a second input, then x * HardSwish(x)."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, adds add_input and a per-channel bias, then multiplies by hardswish of the sum."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int,
                 output_padding: int, bias_shape: tuple):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                                 output_padding=output_padding)
        self.bias = nn.Parameter(torch.randn(bias_shape))

    def forward(self, x: torch.Tensor, add_input: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        # The published module creates this bias but never uses it (its 5-D shape does not broadcast against the
        # output); it is added per channel here, so that every parameter influences the output.
        x = x + add_input + self.bias.squeeze(-1)
        x = x * torch.nn.functional.hardswish(x)
        return x


batch_size = 128
in_channels = 32
out_channels = 64
depth = 16
height = 16
width = 16
kernel_size = 3
stride = 2
padding = 1
output_padding = 1
bias_shape = (out_channels, 1, 1, 1, 1)

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 4, "out_channels": 8, "depth": 4, "height": 4, "width": 4}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    add_input = torch.randn(batch_size, out_channels, depth * stride, height * stride, width * stride)
    return [x, add_input]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, output_padding, bias_shape]
