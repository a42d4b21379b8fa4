"""3-D transposed convolution, scaling, batch normalization (batch statistics), then global average pooling."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, times a scale factor, BatchNorm3d, AdaptiveAvgPool3d to 1x1x1."""

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor, eps=1e-05, momentum=0.1):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size)
        self.scale_factor = scale_factor
        self.batch_norm = nn.BatchNorm3d(out_channels, eps=eps, momentum=momentum)
        self.global_avg_pool = nn.AdaptiveAvgPool3d((1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = x * self.scale_factor
        x = self.batch_norm(x)
        return self.global_avg_pool(x)


batch_size = 16
in_channels = 64
out_channels = 128
kernel_size = 5
scale_factor = 2.0
depth = 16
height = 32
width = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 16, "depth": 4, "height": 6, "width": 6}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, scale_factor]
