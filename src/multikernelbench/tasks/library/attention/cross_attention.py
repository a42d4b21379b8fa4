"""Multi-head cross-attention from a query sequence onto a longer key/value sequence."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """nn.MultiheadAttention with queries from q and keys and values from kv."""

    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True)

    def forward(self, q: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
        out, _ = self.mha(q, kv, kv)
        return out


batch_size = 16
q_len = 64
kv_len = 128
d_model = 512
num_heads = 8

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "q_len": 16, "kv_len": 32, "d_model": 64, "num_heads": 4}}


def get_inputs():
    q = torch.randn(batch_size, q_len, d_model)
    kv = torch.randn(batch_size, kv_len, d_model)
    return [q, kv]


def get_init_inputs():
    return [d_model, num_heads]
