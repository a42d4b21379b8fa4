"""Affine warp of a 4-D image batch: an affine sampling grid per sample, then bilinear grid sampling."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Builds a grid from each sample's 2x3 affine matrix with F.affine_grid and samples it bilinearly."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", align_corners=False)


batch_size = 8
channels = 64
height = 128
width = 128

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "channels": 4, "height": 64, "width": 64}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    # A random rotation per sample plus a small random shear and shift, so theta takes part in the result.
    angle = torch.rand(batch_size) * (2 * torch.pi)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rotation = torch.stack([torch.stack([cos, -sin], dim=-1), torch.stack([sin, cos], dim=-1)], dim=1)
    theta = torch.cat([rotation, torch.zeros(batch_size, 2, 1)], dim=2) + 0.1 * torch.randn(batch_size, 2, 3)
    return [x, theta]


def get_init_inputs():
    return []
