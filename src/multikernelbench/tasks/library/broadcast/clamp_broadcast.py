"""Clamps a 2-D tensor between per-column lower and upper bounds broadcast over the rows."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.clamp(x, min=min_val, max=max_val) with 1-D bound tensors."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, min_val: torch.Tensor, max_val: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, min=min_val, max=max_val)


batch_size = 256
dim = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "dim": 1024}}


def get_inputs():
    x = torch.randn(batch_size, dim)
    # Bounds in [-1, 0) and [0, 1): always min <= max, and both clip a good share of x.
    min_val = -torch.rand(dim)
    max_val = torch.rand(dim)
    return [x, min_val, max_val]


def get_init_inputs():
    return []
