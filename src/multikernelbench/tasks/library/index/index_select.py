"""Index select of columns (dimension 1) of a 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Selects the indexed columns of x with torch.index_select along dimension 1."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        return torch.index_select(x, dim=1, index=indices)


batch_size = 256
input_dim = 8192
num_indices = 2048

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_dim": 1024, "num_indices": 256}}


def get_inputs():
    x = torch.randn(batch_size, input_dim)
    # Valid column indices of x, repeats allowed.
    indices = torch.randint(0, input_dim, (num_indices,))
    return [x, indices]


def get_init_inputs():
    return []
