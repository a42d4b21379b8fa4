"""3-D transposed convolution, add a learned scalar, layer norm over the last axis, average pooling, then GELU."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, plus a learned scalar, LayerNorm(norm_shape), AvgPool3d, GELU."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding, sum_weight,
                 norm_shape, pool_kernel_size):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride,
                                                 padding=padding, output_padding=output_padding)
        self.sum_weight = nn.Parameter(torch.tensor(sum_weight))
        self.norm = nn.LayerNorm(norm_shape)
        self.avg_pool = nn.AvgPool3d(kernel_size=pool_kernel_size)
        self.gelu = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = x + self.sum_weight
        # As published, LayerNorm(norm_shape) normalizes the last (width) axis, whose size equals out_channels here.
        x = self.norm(x)
        x = self.avg_pool(x)
        return self.gelu(x)


batch_size = 32
in_channels = 32
out_channels = 64
kernel_size = (3, 3, 3)
stride = (2, 2, 2)
padding = (1, 1, 1)
output_padding = (1, 1, 1)
sum_weight = 1.0
norm_shape = (out_channels,)
pool_kernel_size = (2, 2, 2)
depth = 16
height = 32
width = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
# The output width (2 * width) must equal out_channels for the LayerNorm.
PROFILES = {"small": {"batch_size": 2, "in_channels": 4, "out_channels": 16, "depth": 4, "height": 8, "width": 8}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, output_padding, sum_weight, norm_shape,
            pool_kernel_size]
