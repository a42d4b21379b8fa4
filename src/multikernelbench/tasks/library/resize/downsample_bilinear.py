"""Bilinear 4x downsampling (no antialiasing) of a 4-D feature-map batch to a fixed 60x80 output size."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Resizes its input to 60x80 with F.interpolate in bilinear mode, corners not aligned."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=(60, 80), mode="bilinear", align_corners=False)


batch_size = 4
channels = 128
height = 240
width = 320

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "channels": 2}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    return [x]


def get_init_inputs():
    return []
