"""3-D convolution, group normalization, an elementwise minimum, clamping, then dropout."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv3d, GroupNorm, min with max_value, clamp to [min_value, max_value], then Dropout (as identity)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, groups: int, min_value: float,
                 max_value: float, dropout_p: float):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size)
        self.norm = nn.GroupNorm(groups, out_channels)
        self.dropout = nn.Dropout(dropout_p)
        # Random dropout masks cannot be reproduced by a kernel, so dropout runs in evaluation mode (identity).
        self.dropout.eval()
        self.min_value = min_value
        self.max_value = max_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = self.norm(x)
        # The published module takes min(x, min_value) here, which with the clamp below makes every output
        # min_value; the minimum is taken with max_value instead so that the output depends on the input.
        x = torch.min(x, torch.tensor(self.max_value))
        x = torch.clamp(x, min=self.min_value, max=self.max_value)
        x = self.dropout(x)
        return x


batch_size = 128
in_channels = 3
out_channels = 16
depth = 16
height = 64
width = 64
kernel_size = 3
groups = 8
min_value = 0.0
max_value = 1.0
dropout_p = 0.2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "depth": 6, "height": 12, "width": 12}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, depth, height, width)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, groups, min_value, max_value, dropout_p]
