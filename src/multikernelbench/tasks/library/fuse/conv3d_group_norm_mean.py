"""3-D convolution, group normalization, then the mean over all non-batch dimensions."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Conv3d, GroupNorm, then the mean of each sample over channels and space."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, num_groups: int):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size)
        self.group_norm = nn.GroupNorm(num_groups, out_channels)
        # GroupNorm's default affine (weight 1, bias 0) makes every group's mean exactly zero, so the output
        # would be rounding noise; a random per-channel weight keeps the mean a real function of the input.
        with torch.no_grad():
            self.group_norm.weight.copy_(torch.randn(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = self.group_norm(x)
        x = x.mean(dim=[1, 2, 3, 4])
        return x


batch_size = 128
in_channels = 3
out_channels = 24
depth = 24
height = 32
width = 32
kernel_size = 3
num_groups = 8

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "depth": 6, "height": 10, "width": 10}}


def get_inputs():
    # Per-sample offsets from -1 to 1, so the samples' means differ by more than the noise of i.i.d. inputs.
    offsets = torch.linspace(-1.0, 1.0, batch_size).view(batch_size, 1, 1, 1, 1)
    x = torch.randn(batch_size, in_channels, depth, height, width) + offsets
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, kernel_size, num_groups]
