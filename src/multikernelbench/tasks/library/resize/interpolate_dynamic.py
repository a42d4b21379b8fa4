"""Bilinear resize of a 4-D feature-map batch to an output size passed to forward at call time."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Resizes its input to target_size (height, width) with F.interpolate in bilinear mode."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, target_size: list) -> torch.Tensor:
        return F.interpolate(x, size=target_size, mode="bilinear", align_corners=False)


batch_size = 4
channels = 128
height = 100
width = 150
target_height = 200
target_width = 300

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "channels": 2}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    return [x, [target_height, target_width]]


def get_init_inputs():
    return []
