"""Cosine similarity loss: the batch mean of one minus the row-wise cosine similarity."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns mean(1 - cosine_similarity(predictions, targets, dim=1))."""

    def __init__(self):
        super().__init__()

    def forward(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        cosine_sim = torch.nn.functional.cosine_similarity(predictions, targets, dim=1)
        return torch.mean(1 - cosine_sim)


batch_size = 128
input_shape = (4096,)
dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_shape": (1024,)}}


def get_inputs():
    predictions = torch.randn(batch_size, *input_shape)
    # Targets share a random fraction of the predictions: independent normals would give a loss of about 1.0.
    targets = torch.rand(()) * predictions + torch.randn(batch_size, *input_shape)
    return [predictions, targets]


def get_init_inputs():
    return []
