"""Scatter add of update values into indexed columns (dimension 1) of a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x with updates[i, j] added to x[i, idx[i, j]] for every (i, j) (out of place)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, idx: torch.Tensor, updates: torch.Tensor) -> torch.Tensor:
        return x.scatter_add(1, idx, updates)


batch_size = 32
input_dim = 4096
index_dim = 1024

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_dim": 1024, "index_dim": 256}}


def get_inputs():
    x = torch.randn(batch_size, input_dim)
    # Valid column indices of x; repeats accumulate.
    idx = torch.randint(0, input_dim, (batch_size, index_dim))
    updates = torch.randn(batch_size, index_dim)
    return [x, idx, updates]


def get_init_inputs():
    return []
