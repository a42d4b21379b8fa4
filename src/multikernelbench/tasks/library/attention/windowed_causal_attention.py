"""Sliding-window causal self-attention: each position attends to itself and the previous window_size - 1 positions."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Multi-head attention with q/k/v/out projections and a causal sliding-window mask."""

    def __init__(self, d_model=1024, num_heads=16, window_size=256):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.window_size = window_size
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq_len, d_model = x.shape
        q = self.q_proj(x).reshape(batch, seq_len, self.num_heads, self.head_dim)
        k = self.k_proj(x).reshape(batch, seq_len, self.num_heads, self.head_dim)
        v = self.v_proj(x).reshape(batch, seq_len, self.num_heads, self.head_dim)
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(self.head_dim)
        # Additive mask: -inf for future keys and for keys window_size or more positions back.
        mask = torch.zeros_like(scores)
        for i in range(seq_len):
            mask[:, :, i, :max(0, i - self.window_size + 1)] = float("-inf")
            mask[:, :, i, i + 1:] = float("-inf")
        weights = F.softmax(scores + mask, dim=-1)
        out = torch.einsum("bhqk,bkhd->bqhd", weights, v)
        return self.out_proj(out.reshape(batch, seq_len, d_model))


batch_size = 4
seq_len = 2048
d_model = 1024
num_heads = 16
window_size = 256

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 64, "d_model": 64, "num_heads": 4, "window_size": 16}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, d_model)
    return [x]


def get_init_inputs():
    return [d_model, num_heads, window_size]
