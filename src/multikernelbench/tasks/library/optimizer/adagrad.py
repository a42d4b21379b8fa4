"""One Adagrad update step on a large 2-D parameter tensor, returning the updated parameter."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Adds the squared gradient to the accumulator and steps the parameter by grad / sqrt(accum)."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-10):
        super().__init__()
        self.lr = lr
        self.eps = eps

    def forward(self, param: torch.Tensor, grad: torch.Tensor, accum: torch.Tensor) -> torch.Tensor:
        accum = accum + grad.pow(2)
        return param - self.lr * grad / (accum.sqrt() + self.eps)


rows = 1024
cols = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"rows": 32, "cols": 1024}}


def get_inputs():
    param = torch.randn(rows, cols)
    grad = torch.randn(rows, cols)
    # A sum of squares is non-negative: a positive mid-training accumulator that takes part in the result.
    accum = torch.rand(rows, cols)
    return [param, grad, accum]


def get_init_inputs():
    return []
