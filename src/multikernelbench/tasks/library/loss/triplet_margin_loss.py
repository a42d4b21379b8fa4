"""Triplet margin loss of anchor, positive and negative embeddings with a configurable margin."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies torch.nn.TripletMarginLoss(margin=margin) (L2 distance, mean over the batch)."""

    def __init__(self, margin: float = 1.0):
        super().__init__()
        self.loss_fn = torch.nn.TripletMarginLoss(margin=margin)

    def forward(self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
        return self.loss_fn(anchor, positive, negative)


batch_size = 32768
input_shape = (8192,)
dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 64, "input_shape": (1024,)}}


def get_inputs():
    anchor = torch.randn(batch_size, *input_shape)
    # Positives and negatives at random per-sample distances from the anchor: three independent normals are
    # all about equally far apart and give a loss of about the margin whatever the draw.
    positive = anchor + torch.rand(batch_size, 1) * torch.randn(batch_size, *input_shape)
    negative = anchor + torch.rand(batch_size, 1) * torch.randn(batch_size, *input_shape)
    return [anchor, positive, negative]


def get_init_inputs():
    return [1.0]
