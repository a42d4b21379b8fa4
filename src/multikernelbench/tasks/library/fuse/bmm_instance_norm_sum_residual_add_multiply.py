"""Linear layer, instance normalization of each output row, then adding and multiplying by a second input."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """nn.Linear (named bmm), InstanceNorm2d over each row seen as a 1 x out_features image, then (x + y) * y."""

    def __init__(self, in_features: int, out_features: int, eps: float = 1e-05, momentum: float = 0.1):
        super().__init__()
        self.bmm = nn.Linear(in_features, out_features)
        self.instance_norm = nn.InstanceNorm2d(out_features, eps=eps, momentum=momentum)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x = self.bmm(x)
        # Viewed as (batch, 1, 1, out_features): a single channel, so each row is normalized over its features.
        x = self.instance_norm(x.unsqueeze(1).unsqueeze(1)).squeeze(1).squeeze(1)
        x = x + y
        x = x * y
        return x


batch_size = 1024
in_features = 8192
out_features = 8192

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    x = torch.randn(batch_size, in_features)
    y = torch.randn(batch_size, out_features)
    return [x, y]


def get_init_inputs():
    return [in_features, out_features]
