"""Multiplication of a large 2-D matrix by a Python float scalar."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns A * s for a matrix A and a float s."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, s: float) -> torch.Tensor:
        return A * s


M = 16384 * 4
N = 4096 * 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 256, "N": 1024}}


def get_inputs():
    A = torch.randn(M, N)
    s = 3.14
    return [A, s]


def get_init_inputs():
    return []
