"""Linear layer, log-sum-exp over features, two LeakyReLUs, then two GELUs."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, logsumexp(dim=1, keepdim), leaky_relu(0.01) twice, gelu twice."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        x = torch.logsumexp(x, dim=1, keepdim=True)
        x = torch.nn.functional.leaky_relu(x, negative_slope=0.01)
        x = torch.nn.functional.leaky_relu(x, negative_slope=0.01)
        x = torch.nn.functional.gelu(x)
        return torch.nn.functional.gelu(x)


batch_size = 1024
in_features = 8192
out_features = 8192

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    # Scaled so the per-row log-sum-exp values spread well beyond the 1e-2 tolerance (a constant answer fails).
    x = torch.randn(batch_size, in_features) * 5
    return [x]


def get_init_inputs():
    return [in_features, out_features]
