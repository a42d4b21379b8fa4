"""Multi-query self-attention: all query heads share a single key head and a single value head."""
import math

import torch
import torch.nn as nn


class Model(nn.Module):
    """MQA: per-head queries, one shared key/value head of width d_model // num_heads."""

    def __init__(self, d_model=4096, num_heads=32):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, self.head_dim)
        self.v_proj = nn.Linear(d_model, self.head_dim)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq_len, d_model = x.shape
        q = self.q_proj(x).view(batch, seq_len, self.num_heads, self.head_dim)
        # One key/value head; einsum broadcasts its size-1 head dimension over all query heads.
        k = self.k_proj(x).view(batch, seq_len, 1, self.head_dim)
        v = self.v_proj(x).view(batch, seq_len, 1, self.head_dim)
        scores = torch.einsum("bnhd,bkhd->bhnk", q, k) / math.sqrt(self.head_dim)
        weights = torch.softmax(scores, dim=-1)
        out = torch.einsum("bhnk,bkhd->bnhd", weights, v)
        return self.out_proj(out.reshape(batch, seq_len, d_model))


batch_size = 2
seq_len = 4096
d_model = 4096
num_heads = 32

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"seq_len": 32, "d_model": 64, "num_heads": 4}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, d_model)
    return [x]


def get_init_inputs():
    return [d_model, num_heads]
