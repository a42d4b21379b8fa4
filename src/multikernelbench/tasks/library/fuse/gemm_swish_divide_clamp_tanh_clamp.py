"""Linear layer, Swish, divide by 2, clamp, tanh, then clamp again."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, x * sigmoid(x), / 2, clamp to [-1, 1], tanh, clamp to [-1, 1]."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gemm(x)
        x = x * torch.sigmoid(x)
        x = x / 2.0
        x = torch.clamp(x, min=-1.0, max=1.0)
        x = torch.tanh(x)
        return torch.clamp(x, min=-1.0, max=1.0)


batch_size = 1024
in_features = 8192
out_features = 8192

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    x = torch.randn(batch_size, in_features)
    return [x]


def get_init_inputs():
    return [in_features, out_features]
