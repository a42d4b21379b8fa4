"""One RMSprop update step on a large 2-D parameter tensor, returning the updated parameter."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Updates the running mean of squared gradients and steps the parameter by grad / sqrt(v)."""

    def __init__(self, lr: float = 0.001, alpha: float = 0.99, eps: float = 1e-08):
        super().__init__()
        self.lr = lr
        self.alpha = alpha
        self.eps = eps

    def forward(self, param: torch.Tensor, grad: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        v = self.alpha * v + (1 - self.alpha) * grad.pow(2)
        return param - self.lr * grad / (v.sqrt() + self.eps)


rows = 2048
cols = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"rows": 128, "cols": 256}}


def get_inputs():
    param = torch.randn(rows, cols)
    grad = torch.randn(rows, cols)
    # A mean of squares is non-negative: a positive mid-training state that takes part in the result.
    v = torch.rand(rows, cols)
    return [param, grad, v]


def get_init_inputs():
    return []
