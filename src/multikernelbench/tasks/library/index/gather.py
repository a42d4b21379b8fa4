"""Gather along dimension 1 of a 2-D tensor with a 2-D index tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Picks x[i, idx[i, j]] for every (i, j) with torch.gather along dimension 1."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return torch.gather(x, dim=1, index=idx)


batch_size = 128
input_dim = 8192
index_dim = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_dim": 1024, "index_dim": 512}}


def get_inputs():
    x = torch.randn(batch_size, input_dim)
    # Valid column indices of x, repeats allowed.
    idx = torch.randint(0, input_dim, (batch_size, index_dim))
    return [x, idx]


def get_init_inputs():
    return []
