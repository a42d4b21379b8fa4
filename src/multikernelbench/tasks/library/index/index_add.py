"""Index add: rows of a value matrix accumulated into the indexed rows of a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x with values[k] added to row indices[k] for every k (out of place, dimension 0)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, indices: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        # Dimension 0: indices has one entry per row of values (standard index_add meaning).
        return x.index_add(0, indices, values)


num_rows = 1024
dim = 4096
num_indices = 8192

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"num_rows": 64, "dim": 512, "num_indices": 256}}


def get_inputs():
    x = torch.randn(num_rows, dim)
    # Valid row indices of x; repeats accumulate.
    indices = torch.randint(0, num_rows, (num_indices,))
    values = torch.randn(num_indices, dim)
    return [x, indices, values]


def get_init_inputs():
    return []
