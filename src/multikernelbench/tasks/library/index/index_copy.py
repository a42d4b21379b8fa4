"""Index copy: rows of a source matrix copied into the indexed rows of a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x with row indices[k] replaced by src[k] for every k (out of place, dimension 0)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, indices: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
        # Dimension 0: indices has one entry per row of src (standard index_copy meaning).
        return x.index_copy(0, indices, src)


num_rows = 8192
dim = 1024
num_indices = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"num_rows": 512, "dim": 256, "num_indices": 128}}


def get_inputs():
    x = torch.randn(num_rows, dim)
    # Distinct row indices: with repeats the surviving copy is unspecified.
    indices = torch.randperm(num_rows)[:num_indices]
    src = torch.randn(num_indices, dim)
    return [x, indices, src]


def get_init_inputs():
    return []
