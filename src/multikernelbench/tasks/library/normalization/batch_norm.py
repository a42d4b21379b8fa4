"""Batch normalization (training mode, batch statistics) over the channels of a large 4-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies nn.BatchNorm2d with the stored number of channels to its input."""

    def __init__(self, num_features: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features=num_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x)


batch_size = 64
features = 64
dim1 = 512
dim2 = 512

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "features": 16, "dim1": 64, "dim2": 64}}


def get_inputs():
    x = torch.randn(batch_size, features, dim1, dim2)
    return [x]


def get_init_inputs():
    return [features]
