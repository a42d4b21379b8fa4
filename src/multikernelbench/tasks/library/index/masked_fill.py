"""Masked fill of a 3-D tensor with zero wherever a boolean mask is set."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns x with the positions where mask is True replaced by 0.0."""

    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # The fill value is not recorded; 0.0 keeps the output finite.
        return x.masked_fill(mask, 0.0)


batch_size = 64
seq_len = 512

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "seq_len": 128}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, seq_len)
    mask = torch.rand(batch_size, seq_len, seq_len) > 0.5
    return [x, mask]


def get_init_inputs():
    return []
