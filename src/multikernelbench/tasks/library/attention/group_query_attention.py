"""Grouped-query self-attention: many query heads share a smaller set of key/value heads."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """GQA: each group of num_heads // num_kv_heads query heads reads one key/value head."""

    def __init__(self, d_model=1024, num_heads=16, num_kv_heads=4):
        super().__init__()
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = d_model // num_heads
        self.q_proj = nn.Linear(d_model, num_heads * self.head_dim)
        self.k_proj = nn.Linear(d_model, num_kv_heads * self.head_dim)
        self.v_proj = nn.Linear(d_model, num_kv_heads * self.head_dim)
        self.out_proj = nn.Linear(num_heads * self.head_dim, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq_len, _ = x.shape
        q = self.q_proj(x).view(batch, seq_len, self.num_heads, self.head_dim)
        k = self.k_proj(x).view(batch, seq_len, self.num_kv_heads, self.head_dim)
        v = self.v_proj(x).view(batch, seq_len, self.num_kv_heads, self.head_dim)
        # Copy each key/value head to the query heads of its group.
        group = self.num_heads // self.num_kv_heads
        k = k.repeat_interleave(group, dim=2)
        v = v.repeat_interleave(group, dim=2)
        scores = torch.einsum("blhd,bmhd->bhlm", q, k) / math.sqrt(self.head_dim)
        weights = F.softmax(scores, dim=-1)
        out = torch.einsum("bhlm,bmhd->blhd", weights, v)
        return self.out_proj(out.reshape(batch, seq_len, self.num_heads * self.head_dim))


batch_size = 8
seq_len = 128
d_model = 1024
num_heads = 16
num_kv_heads = 4

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 32, "d_model": 64, "num_heads": 4, "num_kv_heads": 2}}


def get_inputs():
    x = torch.randn(batch_size, seq_len, d_model)
    return [x]


def get_init_inputs():
    return [d_model, num_heads, num_kv_heads]
