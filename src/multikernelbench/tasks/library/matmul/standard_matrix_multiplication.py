"""Matrix multiplication C = A @ B of an M x K matrix by a K x N matrix."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


M = 1024 * 2
K = 4096 * 2
N = 2048 * 2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 128, "K": 512, "N": 256}}


def get_inputs():
    A = torch.randn(M, K)
    B = torch.randn(K, N)
    return [A, B]


def get_init_inputs():
    return []
