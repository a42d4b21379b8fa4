"""4-D tensor times matrix: contracts the last dimension of a (b, i, j, l) tensor with an (l, k) matrix."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns torch.einsum('bijl,lk->bijk', A, B)."""

    def __init__(self):
        super().__init__()

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return torch.einsum('bijl,lk->bijk', A, B)


b = 8
i = 256
j = 512
l = 256
k = 768

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"b": 2, "i": 16, "j": 32, "l": 64, "k": 96}}


def get_inputs():
    A = torch.randn(b, i, j, l)
    B = torch.randn(l, k)
    return [A, B]


def get_init_inputs():
    return []
