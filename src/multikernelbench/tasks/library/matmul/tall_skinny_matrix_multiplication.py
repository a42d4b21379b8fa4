"""Matrix multiplication of a tall, skinny M x N matrix by an N x M matrix, giving a large M x M output."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


M = 16384 * 2
N = 16 * 2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 1024, "N": 32}}


def get_inputs():
    A = torch.randn(M, N)
    B = torch.randn(N, M)
    return [A, B]


def get_init_inputs():
    return []
