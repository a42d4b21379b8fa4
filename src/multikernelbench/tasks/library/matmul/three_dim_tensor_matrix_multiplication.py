"""3-D tensor times matrix: each of N (M x K) slices multiplied by one K x L matrix."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.matmul(A, B), broadcasting B over the leading dimension of A."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.matmul(A, B)


N = 16
M = 1024
K = 2048
L = 768

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"N": 2, "M": 64, "K": 128, "L": 96}}


def get_inputs():
    A = torch.randn(N, M, K)
    B = torch.randn(K, L)
    return [A, B]


def get_init_inputs():
    return []
