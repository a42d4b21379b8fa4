"""Linear layer, group normalization, minimum over features, then a broadcast bias add."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, GroupNorm, min over features (kept), plus a (1, out_features, 1, 1) bias (broadcasting as published)."""

    def __init__(self, in_features, out_features, num_groups, bias_shape):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.group_norm = nn.GroupNorm(num_groups, out_features)
        self.bias = nn.Parameter(torch.randn(bias_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gemm(x)
        x = self.group_norm(x)
        x = torch.min(x, dim=1, keepdim=True)[0]
        # (batch, 1) + (1, out_features, 1, 1) broadcasts to (1, out_features, batch, 1).
        return x + self.bias


batch_size = 1024
in_features = 8192
out_features = 8192
num_groups = 512
bias_shape = (1, out_features, 1, 1)

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256, "num_groups": 16}}


def get_inputs():
    x = torch.randn(batch_size, in_features)
    return [x]


def get_init_inputs():
    return [in_features, out_features, num_groups, bias_shape]
