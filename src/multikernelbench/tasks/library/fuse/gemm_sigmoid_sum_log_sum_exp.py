"""Two linear layers with a sigmoid between them, then log-sum-exp over the output features."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, sigmoid, Linear, logsumexp(dim=1) (the published module has no separate sum despite its name)."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.linear1 = nn.Linear(input_size, hidden_size)
        self.linear2 = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear1(x)
        x = torch.sigmoid(x)
        x = self.linear2(x)
        return torch.logsumexp(x, dim=1)


batch_size = 16384
input_size = 2048
hidden_size = 4096
output_size = 1024

# Size profiles: module constants that replace the ones above ("full" is the file as written).
# A short output row keeps the per-row log-sum-exp spread measurable at the small size.
PROFILES = {"small": {"batch_size": 16, "input_size": 128, "hidden_size": 256, "output_size": 8}}


def get_inputs():
    # Scaled so the hidden sigmoids saturate and the per-row log-sum-exp values spread beyond the 1e-2
    # tolerance (with unit-scale inputs a constant answer passes it).
    x = torch.randn(batch_size, input_size) * 5
    return [x]


def get_init_inputs():
    return [input_size, hidden_size, output_size]
