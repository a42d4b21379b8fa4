"""Product of two lower triangular M x M matrices, keeping the lower triangle of the result."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.tril(torch.matmul(A, B)) for lower triangular A and B."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.tril(torch.matmul(A, B))


M = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"M": 256}}


def get_inputs():
    # Lower triangular operands, as the task's name says.
    A = torch.tril(torch.randn(M, M))
    B = torch.tril(torch.randn(M, M))
    return [A, B]


def get_init_inputs():
    return []
