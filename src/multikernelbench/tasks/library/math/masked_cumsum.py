"""Masked cumulative sum along one configurable dimension of a 2-D tensor: only elements where a boolean mask is set are summed."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns the running sum of x * mask along the stored dimension."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.cumsum(x * mask, dim=self.dim)


batch_size = 32768
input_shape = (32768,)
dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 64, "input_shape": (4096,)}}


def get_inputs():
    x = torch.randn(batch_size, *input_shape)
    mask = torch.rand(batch_size, *input_shape) > 0.5
    return [x, mask]


def get_init_inputs():
    return [dim]
