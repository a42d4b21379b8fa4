"""Raises a 2-D tensor elementwise to per-column exponents broadcast over the rows."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x ** exponent with a 1-D exponent tensor."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, exponent: torch.Tensor) -> torch.Tensor:
        return x ** exponent


batch_size = 4
dim = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"dim": 1024}}


def get_inputs():
    # Positive bases in [0.5, 1.5) keep real, finite powers for any real exponent.
    x = torch.rand(batch_size, dim) + 0.5
    exponent = torch.randn(dim)
    return [x, exponent]


def get_init_inputs():
    return []
