"""3-D transposed convolution, layer normalization over the last dimension, GELU, then scaling."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, LayerNorm(out_channels) over the last (width) dimension, GELU, then scaling."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int,
                 bias: bool = True, eps: float = 1e-05, scaling_factor: float = 1.0):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                                 bias=bias)
        # As published: nn.LayerNorm(out_channels) normalizes the last dimension, whose size (the output width)
        # equals out_channels at these sizes.
        self.layer_norm = nn.LayerNorm(out_channels, eps=eps)
        self.scaling_factor = scaling_factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = self.layer_norm(x)
        x = torch.nn.functional.gelu(x)
        x = x * self.scaling_factor
        return x


batch_size = 32
in_channels = 32
out_channels = 64
depth = 16
height = 32
width = 32
kernel_size = 4
stride = 2
padding = 1
bias = True
eps = 1e-05
scaling_factor = 1.0

# The small profile keeps the output width (2 * width) equal to out_channels, as LayerNorm needs.
# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 4, "out_channels": 8, "depth": 3, "height": 4, "width": 4}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, bias, eps, scaling_factor]
