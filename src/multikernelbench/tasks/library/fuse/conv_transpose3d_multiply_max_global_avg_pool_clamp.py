"""3-D transposed convolution, scalar multiply, max pooling, global average pooling, then a clamp to [0, 1]."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, times a scale, MaxPool3d, AdaptiveAvgPool3d to 1x1x1, clamp to [0, 1]."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, scale, maxpool_kernel_size):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride, padding=padding)
        self.scale = scale
        self.maxpool = nn.MaxPool3d(kernel_size=maxpool_kernel_size)
        self.global_avg_pool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.clamp_min = 0
        self.clamp_max = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = x * self.scale
        x = self.maxpool(x)
        x = self.global_avg_pool(x)
        return torch.clamp(x, min=self.clamp_min, max=self.clamp_max)


batch_size = 128
in_channels = 3
out_channels = 16
kernel_size = 3
stride = 2
padding = 1
scale = 0.5
maxpool_kernel_size = 2
depth = 16
height = 32
width = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "depth": 4, "height": 8, "width": 8}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, scale, maxpool_kernel_size]
