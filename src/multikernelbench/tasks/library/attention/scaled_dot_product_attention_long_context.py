"""Single-head scaled dot-product attention over a very long context with a very wide model."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Non-causal single-head attention softmax(Q K^T / sqrt(d)) V on 3-D tensors."""

    def __init__(self):
        super().__init__()

    def forward(self, Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
        return F.scaled_dot_product_attention(Q, K, V)


batch_size = 1
seq_len = 16384
d_model = 12288

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 256, "d_model": 64}}


def get_inputs():
    Q = torch.randn(batch_size, seq_len, d_model)
    K = torch.randn(batch_size, seq_len, d_model)
    V = torch.randn(batch_size, seq_len, d_model)
    return [Q, K, V]


def get_init_inputs():
    return []
