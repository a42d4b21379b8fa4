"""Scatter of update values into indexed columns (dimension 1) of a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x with x[i, idx[i, j]] = updates[i, j] for every (i, j) (out of place)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, idx: torch.Tensor, updates: torch.Tensor) -> torch.Tensor:
        return x.scatter(1, idx, updates)


batch_size = 64
input_dim = 8192
index_dim = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_dim": 1024, "index_dim": 512}}


def get_inputs():
    x = torch.randn(batch_size, input_dim)
    # Distinct columns within each row: with repeats the surviving update is unspecified.
    idx = torch.rand(batch_size, input_dim).argsort(dim=1)[:, :index_dim]
    updates = torch.randn(batch_size, index_dim)
    return [x, idx, updates]


def get_init_inputs():
    return []
