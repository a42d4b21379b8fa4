"""Matrix multiplication C = A @ B with a large M x N output and a small inner dimension K."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


M = 16384 * 2
N = 16384 * 2
K = 32 * 2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 1024, "N": 1024, "K": 64}}


def get_inputs():
    A = torch.randn(M, K)
    B = torch.randn(K, N)
    return [A, B]


def get_init_inputs():
    return []
