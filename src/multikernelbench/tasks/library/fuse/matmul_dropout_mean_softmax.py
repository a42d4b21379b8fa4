"""Linear layer, dropout, then softmax over features."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Linear, Dropout(dropout_p) held in inference mode (identity), softmax(dim=1)."""

    def __init__(self, in_features, out_features, dropout_p):
        super().__init__()
        self.matmul = nn.Linear(in_features, out_features)
        self.dropout = nn.Dropout(dropout_p)
        # Dropout stays in inference mode: a random training-mode mask would make the reference nondeterministic
        # and impossible for a candidate to reproduce.
        self.dropout.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.matmul(x)
        x = self.dropout(x)
        return torch.softmax(x, dim=1)


batch_size = 128
in_features = 16384
out_features = 16384
dropout_p = 0.2

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 16, "in_features": 256, "out_features": 256}}


def get_inputs():
    x = torch.randn(batch_size, in_features)
    return [x]


def get_init_inputs():
    return [in_features, out_features, dropout_p]
