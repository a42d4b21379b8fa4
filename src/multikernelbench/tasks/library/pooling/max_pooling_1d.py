"""1-D max pooling with a configurable kernel, stride and padding over a 3-D tensor."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies nn.MaxPool1d with the stored kernel size, stride and padding to its input."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0, return_indices: bool = False):
        super().__init__()
        self.maxpool = nn.MaxPool1d(
            kernel_size=kernel_size, stride=stride, padding=padding, return_indices=return_indices
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.maxpool(x)


batch_size = 64
features = 192
sequence_length = 2048
kernel_size = 8
stride = 1
padding = 4
return_indices = False

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "features": 16, "sequence_length": 512}}


def get_inputs():
    x = torch.randn(batch_size, features, sequence_length)
    return [x]


def get_init_inputs():
    return [kernel_size, stride, padding, return_indices]
