"""Linear layer, subtract a constant, multiply by a constant, then ReLU."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, minus subtract_value, times multiply_value, ReLU."""

    def __init__(self, in_features, out_features, subtract_value, multiply_value):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.subtract_value = subtract_value
        self.multiply_value = multiply_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        x = x - self.subtract_value
        x = x * self.multiply_value
        return torch.relu(x)


batch_size = 1024
in_features = 8192
out_features = 8192
subtract_value = 2.0
multiply_value = 1.5

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    # Scaled so a good share of the linear outputs exceed subtract_value (at unit scale the ReLU output is
    # almost all zeros).
    x = torch.randn(batch_size, in_features) * 5
    return [x]


def get_init_inputs():
    return [in_features, out_features, subtract_value, multiply_value]
