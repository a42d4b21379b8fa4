"""Matrix multiplication C = A @ B with irregular (non-power-of-two) M, K and N."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


M = 8205
K = 2949
N = 5921

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 257, "K": 149, "N": 181}}


def get_inputs():
    A = torch.randn(M, K)
    B = torch.randn(K, N)
    return [A, B]


def get_init_inputs():
    return []
