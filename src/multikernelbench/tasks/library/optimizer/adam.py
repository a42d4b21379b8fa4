"""One bias-corrected Adam update step on a large 2-D parameter tensor, returning the updated parameter."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Updates both moment estimates, corrects their bias for the stored step, and steps the parameter."""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, lr: float = 0.001, eps: float = 1e-08, step: int = 1):
        super().__init__()
        self.beta1 = beta1
        self.beta2 = beta2
        self.lr = lr
        self.eps = eps
        self.step = step

    def forward(self, param: torch.Tensor, grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        m = self.beta1 * m + (1 - self.beta1) * grad
        v = self.beta2 * v + (1 - self.beta2) * grad.pow(2)
        m_hat = m / (1 - self.beta1**self.step)
        v_hat = v / (1 - self.beta2**self.step)
        return param - self.lr * m_hat / (v_hat.sqrt() + self.eps)


rows = 512
cols = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"rows": 16, "cols": 512}}


def get_inputs():
    param = torch.randn(rows, cols)
    grad = torch.randn(rows, cols)
    # Non-zero moments (v non-negative, as a mean of squares) so that both take part in the result.
    m = torch.randn(rows, cols)
    v = torch.rand(rows, cols)
    return [param, grad, m, v]


def get_init_inputs():
    return []
