"""Causal multi-head self-attention that replaces the softmax with a ReLU over the masked scores."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class NewGELU(nn.Module):
    """minGPT's tanh-approximation GELU; defined beside the attention in the published file, unused by Model."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Model(nn.Module):
    """Projects to q, k, v, masks future positions, applies ReLU to the scaled scores and mixes v."""

    def __init__(self, n_embd, n_head, max_seqlen):
        super().__init__()
        assert n_embd % n_head == 0
        # query, key and value projections for all heads in one matrix
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        # causal mask: each position attends only to itself and earlier positions
        self.register_buffer(
            "bias", torch.tril(torch.ones(max_seqlen, max_seqlen)).view(1, 1, max_seqlen, max_seqlen)
        )
        self.n_head = n_head
        self.n_embd = n_embd

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.relu(att)  # relu(-inf) = 0 removes the masked positions
        y = att @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return y


batch_size = 16
max_seqlen = 1024
n_embd = 768
n_head = 12

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "max_seqlen": 64, "n_embd": 96}}


def get_inputs():
    x = torch.randn(batch_size, max_seqlen, n_embd)
    return [x]


def get_init_inputs():
    return [n_embd, n_head, max_seqlen]
