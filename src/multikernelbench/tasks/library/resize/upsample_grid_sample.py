"""Bilinear 2x upsampling of a 4-D feature-map batch followed by an affine warp (affine grid, bilinear sampling)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Upsamples its input 2x bilinearly, then warps it by each sample's 2x3 affine matrix."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        x_up = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        grid = F.affine_grid(theta, x_up.size(), align_corners=False)
        return F.grid_sample(x_up, grid, mode="bilinear", align_corners=False)


batch_size = 2
channels = 64
height = 64
width = 64

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"channels": 2, "height": 24, "width": 32}}


def get_inputs():
    x = torch.randn(batch_size, channels, height, width)
    # The identity transform plus a small random affine perturbation per sample, so theta takes part in the result.
    theta = torch.eye(2, 3).expand(batch_size, 2, 3) + 0.1 * torch.randn(batch_size, 2, 3)
    return [x, theta]


def get_init_inputs():
    return []
