"""LeakyReLU with a configurable negative slope applied elementwise to a large 2-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies torch.nn.functional.leaky_relu with the stored negative slope to its input."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.leaky_relu(x, negative_slope=self.negative_slope)


batch_size = 4096
dim = 393216

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "dim": 16384}}


def get_inputs():
    x = torch.randn(batch_size, dim)
    return [x]


def get_init_inputs():
    return []
