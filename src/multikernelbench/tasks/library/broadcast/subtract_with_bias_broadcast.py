"""Subtracts a per-column bias, broadcast over the rows, from a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x - bias with a 1-D bias."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return x - bias


batch_size = 8
dim = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "dim": 1024}}


def get_inputs():
    x = torch.randn(batch_size, dim)
    bias = torch.randn(dim)
    return [x, bias]


def get_init_inputs():
    return []
