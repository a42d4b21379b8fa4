"""Elementwise maximum of (B, 1, D) and (1, N, 1) tensors, broadcast to a (B, N, D) result."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.maximum(a, b) with both operands broadcast against each other."""

    def __init__(self):
        super().__init__()

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.maximum(a, b)


batch_size = 16
rows = 256
dim = 1024

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "rows": 64, "dim": 256}}


def get_inputs():
    a = torch.randn(batch_size, 1, dim)
    b = torch.randn(1, rows, 1)
    return [a, b]


def get_init_inputs():
    return []
