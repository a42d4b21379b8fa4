"""2-D convolution, subtraction of a constant, tanh, a second subtraction, then average pooling."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv2d, subtracts subtract1_value, tanh, subtracts subtract2_value, then AvgPool2d."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, subtract1_value: float,
                 subtract2_value: float, kernel_size_pool: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.subtract1_value = subtract1_value
        self.subtract2_value = subtract2_value
        self.avgpool = nn.AvgPool2d(kernel_size_pool)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = x - self.subtract1_value
        x = torch.tanh(x)
        x = x - self.subtract2_value
        x = self.avgpool(x)
        return x


batch_size = 128
in_channels = 64
out_channels = 128
height = 128
width = 128
kernel_size = 3
subtract1_value = 0.5
subtract2_value = 0.2
kernel_size_pool = 2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 16, "height": 18, "width": 18}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, subtract1_value, subtract2_value, kernel_size_pool]
