"""In-place update of the indexed rows of a 2-D tensor with new values."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Writes value[k] into row idx[k] of x in place and returns x."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, idx: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        # Indexed assignment along dimension 0, modifying the input x itself.
        x[idx] = value
        return x


num_rows = 10000
dim = 1024
num_indices = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"num_rows": 500, "dim": 256, "num_indices": 128}}


def get_inputs():
    x = torch.randn(num_rows, dim)
    # Distinct row indices: with repeats the surviving write is unspecified.
    idx = torch.randperm(num_rows)[:num_indices]
    value = torch.randn(num_indices, dim)
    return [x, idx, value]


def get_init_inputs():
    return []
