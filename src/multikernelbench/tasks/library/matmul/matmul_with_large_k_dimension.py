"""Matrix multiplication C = A @ B with a small M x N output and a very large inner dimension K."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


M = 256
N = 256
K = 131072 * 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 32, "N": 32, "K": 16384}}


def get_inputs():
    A = torch.randn(M, K)
    B = torch.randn(K, N)
    return [A, B]


def get_init_inputs():
    return []
