"""Linear layer, batch normalization (batch statistics), GELU, then ReLU."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, BatchNorm1d, F.gelu, torch.relu (the published module has no group norm or mean despite its name)."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.batch_norm = nn.BatchNorm1d(out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gemm(x)
        x = self.batch_norm(x)
        x = torch.nn.functional.gelu(x)
        return torch.relu(x)


batch_size = 16384
in_features = 4096
out_features = 4096

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    x = torch.randn(batch_size, in_features)
    return [x]


def get_init_inputs():
    return [in_features, out_features]
