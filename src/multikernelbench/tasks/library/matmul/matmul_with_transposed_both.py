"""Matrix multiplication C = A.T @ B.T with A stored as K x M and B as N x K."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A.T, B.T)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A.T, B.T)


M = 1024 * 2
K = 4096 * 2
N = 2048 * 2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 128, "K": 512, "N": 256}}


def get_inputs():
    A = torch.randn(K, M)
    B = torch.randn(N, K)
    return [A, B]


def get_init_inputs():
    return []
