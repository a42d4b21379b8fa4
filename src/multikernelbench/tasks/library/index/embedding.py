"""Embedding lookup of a 2-D batch of token indices in a 100000 x 768 table."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Looks each index up in a learned nn.Embedding(100000, 768) table."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(100000, 768)

    def forward(self, indices: torch.Tensor) -> torch.Tensor:
        return self.embedding(indices)


num_embeddings = 100000
batch_size = 512
seq_len = 128

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 8, "seq_len": 64}}


def get_inputs():
    # Valid row indices of the fixed 100000-row table.
    indices = torch.randint(0, num_embeddings, (batch_size, seq_len))
    return [indices]


def get_init_inputs():
    return []
