"""Cross-entropy loss of class logits against integer class targets, averaged over the batch."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns F.cross_entropy(predictions, targets) with the default mean reduction."""

    def __init__(self):
        super().__init__()

    def forward(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.cross_entropy(predictions, targets)


batch_size = 32768
num_classes = 4096
input_shape = (num_classes,)
dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 64, "num_classes": 512}}


def get_inputs():
    # Logits at a random temperature, so the loss depends on the draw instead of sitting near log(num_classes).
    predictions = torch.randn(batch_size, *input_shape) * (4 * torch.rand(()))
    # Valid class indices.
    targets = torch.randint(0, num_classes, (batch_size,))
    return [predictions, targets]


def get_init_inputs():
    return []
