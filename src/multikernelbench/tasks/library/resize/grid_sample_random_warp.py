"""Bilinear grid sampling of a 4-D image batch at a randomly perturbed identity sampling grid."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Samples its input at the given normalized (x, y) grid with F.grid_sample in bilinear mode."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        return F.grid_sample(x, grid, mode="bilinear", align_corners=False)


batch_size = 4
channels = 3
height = 256
width = 256

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "height": 32, "width": 32}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    # The identity grid (pixel centres in [-1, 1], align_corners=False) warped by random offsets of a few pixels.
    ys = (torch.arange(height) * 2 + 1) / height - 1
    xs = (torch.arange(width) * 2 + 1) / width - 1
    base = torch.stack([xs.expand(height, width), ys.unsqueeze(1).expand(height, width)], dim=-1)
    grid = base.expand(batch_size, height, width, 2) + 0.05 * torch.randn(batch_size, height, width, 2)
    return [x, grid]


def get_init_inputs():
    return []
