"""2-D transposed convolution, global average pooling, bias add, log-sum-exp over channels, spatial sum, times 10."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose2d, spatial mean, plus a per-channel bias, channel logsumexp, spatial sum, times 10."""

    def __init__(self, in_channels, out_channels, kernel_size, bias_shape):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose2d(in_channels, out_channels, kernel_size)
        self.bias = nn.Parameter(torch.randn(bias_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = torch.mean(x, dim=(2, 3), keepdim=True)
        x = x + self.bias
        x = torch.logsumexp(x, dim=1, keepdim=True)
        x = torch.sum(x, dim=(2, 3))
        return x * 10.0


batch_size = 16
in_channels = 64
out_channels = 128
kernel_size = 3
bias_shape = (out_channels, 1, 1)
height = 512
width = 512

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 16, "height": 16, "width": 16}}


def get_inputs():
    # A random offset per (sample, channel): with zero-mean noise alone the global averages, and so the
    # outputs, would barely differ between samples (a constant answer would pass the 1e-2 tolerance).
    x = torch.randn(batch_size, in_channels, height, width) + torch.randn(batch_size, in_channels, 1, 1)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, bias_shape]
