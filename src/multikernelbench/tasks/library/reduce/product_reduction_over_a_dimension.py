"""Product reduction over one configurable dimension of a 3-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Multiplies its input together along the stored dimension."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.prod(x, dim=self.dim)


batch_size = 128
dim1 = 4096
dim2 = 4096
reduction_dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "dim1": 256, "dim2": 256}}


def get_inputs():
    # Near-1 values keep a 4096-term product finite and non-zero; plain randn underflows to 0.
    x = 1.0 + 0.01 * torch.randn(batch_size, dim1, dim2)
    return [x]


def get_init_inputs():
    return [reduction_dim]
