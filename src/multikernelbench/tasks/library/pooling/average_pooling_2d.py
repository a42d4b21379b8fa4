"""2-D average pooling with a large square kernel (stride equal to the kernel) over a 4-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies nn.AvgPool2d with the stored kernel size, stride and padding to its input."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0):
        super().__init__()
        self.avg_pool = nn.AvgPool2d(kernel_size=kernel_size, stride=stride, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.avg_pool(x)


batch_size = 16
channels = 64
height = 512
width = 512
kernel_size = 11

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "channels": 8, "height": 128, "width": 128}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    return [x]


def get_init_inputs():
    return [kernel_size]
