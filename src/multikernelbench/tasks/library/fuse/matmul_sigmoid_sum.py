"""Linear layer, sigmoid, then a sum over features."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, sigmoid, sum over features (kept)."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.linear = nn.Linear(input_size, hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        x = torch.sigmoid(x)
        return torch.sum(x, dim=1, keepdim=True)


batch_size = 128
input_size = 32768
hidden_size = 32768

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_size": 256, "hidden_size": 256}}


def get_inputs():
    # Scaled so the per-row sums spread well beyond the 1e-2 tolerance (a constant answer fails).
    x = torch.randn(batch_size, input_size) * 5
    return [x]


def get_init_inputs():
    return [input_size, hidden_size]
