"""Linear layer, group normalization, LeakyReLU, then adding the result to itself."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, GroupNorm, LeakyReLU(negative_slope), x + x."""

    def __init__(self, input_size, hidden_size, num_groups, eps=1e-05, negative_slope=0.01):
        super().__init__()
        self.fc = nn.Linear(input_size, hidden_size)
        self.gn = nn.GroupNorm(num_groups=num_groups, num_channels=hidden_size, eps=eps)
        self.leaky_relu = nn.LeakyReLU(negative_slope=negative_slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc(x)
        x = self.gn(x)
        x = self.leaky_relu(x)
        return x + x


batch_size = 1024
input_size = 8192
hidden_size = 8192
num_groups = 512

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_size": 256, "hidden_size": 256, "num_groups": 16}}


def get_inputs():
    x = torch.randn(batch_size, input_size)
    return [x]


def get_init_inputs():
    return [input_size, hidden_size, num_groups]
