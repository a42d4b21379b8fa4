"""Adds a scalar bias, broadcast over every element, to a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x + bias, where bias is a 0-D tensor."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return x + bias


batch_size = 4
dim = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"dim": 1024}}


def get_inputs():
    x = torch.randn(batch_size, dim)
    bias = torch.randn(())
    return [x, bias]


def get_init_inputs():
    return []
