"""3-D transposed convolution, softmax over channels, then sigmoid."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """ConvTranspose3d, Softmax(dim=1), Sigmoid."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding, bias=True):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride,
                                                 padding=padding, output_padding=output_padding, bias=bias)
        self.softmax = nn.Softmax(dim=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_transpose(x)
        x = self.softmax(x)
        return self.sigmoid(x)


batch_size = 16
in_channels = 32
out_channels = 64
kernel_size = 3
stride = 2
padding = 1
output_padding = 1
depth = 16
height = 32
width = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "in_channels": 8, "out_channels": 16, "depth": 4, "height": 8, "width": 8}}


def get_inputs():
    # Scaled so the channel softmax is far from uniform (else a constant answer passes the 1e-2 tolerance).
    x = torch.randn(batch_size, in_channels, depth, height, width) * 10
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, output_padding]
