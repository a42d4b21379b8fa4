"""Multi-head self-attention over a batch of sequences using nn.MultiheadAttention."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """nn.MultiheadAttention with queries, keys and values all taken from x."""

    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.mha(x, x, x)
        return out


batch_size = 16
seq_len = 256
d_model = 512
num_heads = 8

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 32, "d_model": 64, "num_heads": 4}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, d_model)
    return [x]


def get_init_inputs():
    return [d_model, num_heads]
