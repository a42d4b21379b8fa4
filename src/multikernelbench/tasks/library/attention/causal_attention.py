"""Causal multi-head self-attention over a batch of sequences using nn.MultiheadAttention."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Self-attention where each position attends only to itself and earlier positions."""

    def __init__(self, d_model=256, num_heads=4, max_seq_len=4096):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True)
        # True above the diagonal: those (query, key) pairs are masked out.
        mask = torch.triu(torch.ones(max_seq_len, max_seq_len, dtype=torch.bool), diagonal=1)
        self.register_buffer("causal_mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq_len = x.size(1)
        out, _ = self.mha(x, x, x, attn_mask=self.causal_mask[:seq_len, :seq_len])
        return out


batch_size = 32
seq_len = 64
d_model = 512
num_heads = 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 32, "d_model": 64}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, d_model)
    return [x]


def get_init_inputs():
    return [d_model, num_heads]
