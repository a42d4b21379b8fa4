"""2-D convolution, the activation x * tanh(softplus(x)), then batch normalization."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv2d, multiplies by tanh(softplus(x)), then BatchNorm2d (batch statistics: the model runs in training mode)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, eps: float = 1e-05,
                 momentum: float = 0.1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.bn = nn.BatchNorm2d(out_channels, eps=eps, momentum=momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = torch.multiply(torch.tanh(torch.nn.functional.softplus(x)), x)
        x = self.bn(x)
        return x


batch_size = 64
in_channels = 64
out_channels = 128
height = 128
width = 128
kernel_size = 3

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "in_channels": 8, "out_channels": 16, "height": 16, "width": 16}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size]
