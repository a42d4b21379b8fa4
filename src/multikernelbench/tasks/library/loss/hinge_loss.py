"""Hinge loss: the mean of clamp(1 - predictions * targets, min=0) with +-1 targets broadcast over the last dimension."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns mean(clamp(1 - predictions * targets, min=0)); targets broadcast along the last dimension."""

    def __init__(self):
        super().__init__()

    def forward(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return torch.mean(torch.clamp(1 - predictions * targets, min=0))


batch_size = 32768
input_shape = (32768,)
dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 256, "input_shape": (256,)}}


def get_inputs():
    # A random overall scale in [0.5, 2.5) makes the loss depend on the draw; at a scale near 0 every
    # margin is 1 and the targets stop mattering.
    predictions = torch.randn(batch_size, *input_shape) * (0.5 + 2 * torch.rand(()))
    # Labels of -1 or +1, as a hinge loss expects.
    targets = torch.randint(0, 2, (batch_size,)).float() * 2 - 1
    return [predictions, targets]


def get_init_inputs():
    return []
