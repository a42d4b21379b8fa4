"""Matrix-vector product of an M x K matrix with a K x 1 column vector."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B) for a column vector B."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


M = 256 * 8
K = 131072 * 8

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 64, "K": 16384}}


def get_inputs():
    A = torch.randn(M, K)
    B = torch.randn(K, 1)
    return [A, B]


def get_init_inputs():
    return []
