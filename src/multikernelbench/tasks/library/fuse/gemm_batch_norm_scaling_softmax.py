"""Linear layer, batch normalization (batch statistics), learned scaling, then softmax over features."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, BatchNorm1d, times a learned scale, Softmax(dim=1)."""

    def __init__(self, in_features, out_features, bn_eps=1e-05, bn_momentum=0.1, scale_shape=(1,)):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.bn = nn.BatchNorm1d(out_features, eps=bn_eps, momentum=bn_momentum)
        self.scale = nn.Parameter(torch.ones(scale_shape))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gemm(x)
        x = self.bn(x)
        x = self.scale * x
        return self.softmax(x)


batch_size = 1024
in_features = 8192
out_features = 8192
bn_eps = 1e-05
bn_momentum = 0.1
scale_shape = (1,)

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    x = torch.randn(batch_size, in_features)
    return [x]


def get_init_inputs():
    return [in_features, out_features, bn_eps, bn_momentum, scale_shape]
