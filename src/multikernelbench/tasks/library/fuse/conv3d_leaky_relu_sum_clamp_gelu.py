"""3-D convolution, LeakyReLU, a learned per-channel tensor add, clamping to [-1, 1], then GELU."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv3d, leaky_relu with slope 0.2, adds sum_tensor, clamps to [-1, 1], then GELU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, sum_tensor_shape: tuple):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size)
        self.sum_tensor = nn.Parameter(torch.randn(sum_tensor_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = torch.nn.functional.leaky_relu(x, negative_slope=0.2)
        x = x + self.sum_tensor
        x = torch.clamp(x, min=-1.0, max=1.0)
        x = torch.nn.functional.gelu(x)
        return x


batch_size = 128
in_channels = 8
out_channels = 64
depth = 16
height = 64
width = 64
kernel_size = 3
sum_tensor_shape = (out_channels, 1, 1, 1)

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "out_channels": 16, "depth": 6, "height": 10, "width": 10}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, sum_tensor_shape]
