"""Linear layer, division by a constant, then GELU."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, divided by a divisor, F.gelu."""

    def __init__(self, input_size, output_size, divisor):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)
        self.divisor = divisor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        x = x / self.divisor
        return torch.nn.functional.gelu(x)


batch_size = 1024
input_size = 8192
output_size = 8192
divisor = 10.0

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "input_size": 256, "output_size": 256}}


def get_inputs():
    x = torch.randn(batch_size, input_size)
    return [x]


def get_init_inputs():
    return [input_size, output_size, divisor]
