"""Elementwise product of (M, 1, D) and (1, N, D) tensors, broadcast to an (M, N, D) result."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns a * b with both operands broadcast against each other."""

    def __init__(self):
        super().__init__()

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a * b


dim_m = 4
dim_n = 4
dim = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"dim_n": 3, "dim": 1024}}


def get_inputs():
    a = torch.randn(dim_m, 1, dim)
    b = torch.randn(1, dim_n, dim)
    return [a, b]


def get_init_inputs():
    return []
