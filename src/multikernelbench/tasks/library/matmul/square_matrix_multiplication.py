"""Square matrix multiplication C = A @ B of two N x N matrices."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


N = 2048 * 2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"N": 256}}


def get_inputs():
    A = torch.randn(N, N)
    B = torch.randn(N, N)
    return [A, B]


def get_init_inputs():
    return []
