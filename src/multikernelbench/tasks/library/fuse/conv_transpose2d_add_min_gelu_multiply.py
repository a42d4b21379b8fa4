"""2-D transposed convolution, adding a constant, an elementwise minimum with zero, GELU, then scaling."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose2d, adds add_value, min with 0, GELU, then multiplies by multiply_value."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, add_value: float,
                 multiply_value: float):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=stride)
        self.add_value = add_value
        self.multiply_value = multiply_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = x + self.add_value
        x = torch.min(x, torch.tensor(0.0))
        x = torch.nn.functional.gelu(x)
        x = x * self.multiply_value
        return x


batch_size = 128
in_channels = 64
out_channels = 128
height = 64
width = 64
kernel_size = 4
stride = 2
add_value = 0.5
multiply_value = 2.0

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 16, "height": 8, "width": 8}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, add_value, multiply_value]
