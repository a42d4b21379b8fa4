"""Nearest-neighbour 4x upsampling of a 4-D feature-map batch."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Multiplies the height and width of its input by 4 with F.interpolate in nearest mode."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=4.0, mode="nearest")


batch_size = 16
channels = 128
height = 32
width = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "channels": 4}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    return [x]


def get_init_inputs():
    return []
