"""Batched matrix multiplication of a batch of m x k matrices by a batch of k x n matrices."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.bmm(A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.bmm(A, B)


batch_size = 128
m = 128 * 4
k = 256 * 4
n = 512 * 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "m": 64, "k": 128, "n": 256}}


def get_inputs():
    A = torch.randn(batch_size, m, k)
    B = torch.randn(batch_size, k, n)
    return [A, B]


def get_init_inputs():
    return []
