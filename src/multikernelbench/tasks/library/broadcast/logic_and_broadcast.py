"""Logical AND of a large 3-D boolean tensor with a per-row boolean mask broadcast over the other dimensions."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns a & b for boolean tensors, b of shape (1, N, 1)."""

    def __init__(self):
        super().__init__()

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a & b


batch_size = 128
rows = 512
cols = 1024

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "rows": 64, "cols": 128}}


def get_inputs():
    a = torch.rand(batch_size, rows, cols) > 0.5
    b = torch.rand(1, rows, 1) > 0.5
    return [a, b]


def get_init_inputs():
    return []
