"""One SGD-with-momentum update step on a large 2-D parameter tensor, returning the updated parameter."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Updates the velocity with the gradient, then steps the parameter against it (out of place)."""

    def __init__(self, momentum: float = 0.9, lr: float = 0.01):
        super().__init__()
        self.momentum = momentum
        self.lr = lr

    def forward(self, param: torch.Tensor, grad: torch.Tensor, velocity: torch.Tensor) -> torch.Tensor:
        velocity = self.momentum * velocity + grad
        return param - self.lr * velocity


rows = 1024
cols = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"rows": 32, "cols": 1024}}


def get_inputs():
    param = torch.randn(rows, cols)
    grad = torch.randn(rows, cols)
    # A non-zero velocity (a mid-training state) so that the momentum term takes part in the result.
    velocity = torch.randn(rows, cols)
    return [param, grad, velocity]


def get_init_inputs():
    return []
