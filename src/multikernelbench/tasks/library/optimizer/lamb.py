"""LAMB-style update of a large 2-D parameter tensor: the Adam direction scaled by a layer-wise trust ratio."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Steps the parameter by m / sqrt(v), scaled by ||param|| / ||m / sqrt(v)|| over the whole tensor."""

    def __init__(self, lr: float = 0.001, eps: float = 1e-06):
        super().__init__()
        self.lr = lr
        self.eps = eps

    def forward(self, param: torch.Tensor, m: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        update = m / (v.sqrt() + self.eps)
        # The trust ratio uses 2-norms over the whole tensor (one layer), as in the LAMB paper.
        trust_ratio = param.norm(p=2) / (update.norm(p=2) + self.eps)
        return param - self.lr * trust_ratio * update


rows = 512
cols = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"rows": 32, "cols": 512}}


def get_inputs():
    param = torch.randn(rows, cols)
    m = torch.randn(rows, cols)
    # v is a mean of squared gradients: positive, kept away from zero so that m / sqrt(v) stays moderate.
    v = torch.rand(rows, cols) + 1e-3
    return [param, m, v]


def get_init_inputs():
    return []
