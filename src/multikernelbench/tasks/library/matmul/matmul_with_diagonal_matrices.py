"""Product of a diagonal matrix, given as its N diagonal entries, with an N x M matrix."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.diag(A) @ B: row i of B scaled by A[i]."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.diag(A) @ B


M = 4096
N = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 192, "N": 256}}


def get_inputs():
    A = torch.randn(N)
    B = torch.randn(N, M)
    return [A, B]


def get_init_inputs():
    return []
