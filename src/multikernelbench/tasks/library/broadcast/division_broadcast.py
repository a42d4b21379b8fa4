"""Divides a 4-D tensor by a per-channel scale broadcast over batch and spatial positions."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x / scale, with scale of shape (C, 1, 1)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        return x / scale


batch_size = 8
channels = 3
height = 32
width = 128

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "height": 16, "width": 64}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    # Scales in [0.5, 1.5): kept away from zero so the quotient stays well conditioned.
    scale = torch.rand(channels, 1, 1) + 0.5
    return [x, scale]


def get_init_inputs():
    return []
