"""Sparse (local-window) multi-head self-attention: each position sees only nearby positions."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """nn.MultiheadAttention with a banded mask: keys more than window_size positions away are masked out."""

    def __init__(self, d_model=256, num_heads=4, window_size=32, max_seq_len=4096):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True)
        # The window's exact extent is not recorded; a symmetric band |i - j| <= window_size is used.
        mask = torch.ones(max_seq_len, max_seq_len)
        for i in range(max_seq_len):
            mask[i, max(0, i - window_size):i + window_size + 1] = 0
        # True where attention is not allowed.
        self.register_buffer("window_mask", mask.bool())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq_len = x.size(1)
        out, _ = self.mha(x, x, x, attn_mask=self.window_mask[:seq_len, :seq_len])
        return out


batch_size = 16
seq_len = 128
d_model = 512
num_heads = 4
window_size = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 64, "d_model": 64, "window_size": 8}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, d_model)
    return [x]


def get_init_inputs():
    return [d_model, num_heads, window_size]
