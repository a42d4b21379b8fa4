"""KL divergence loss between two row-wise probability distributions, averaged over the batch."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Returns F.kl_div(log(predictions), targets, reduction='batchmean')."""

    def __init__(self):
        super().__init__()

    def forward(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.kl_div(torch.log(predictions), targets, reduction='batchmean')


batch_size = 8192 * 2
input_shape = (8192 * 2,)
dim = 1

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 256, "input_shape": (512,)}}


def get_inputs():
    # Rows are probability distributions (softmax of normals), as kl_div expects; random sharpness per
    # tensor makes the loss depend on the draw instead of sitting near one value.
    predictions = (torch.randn(batch_size, *input_shape) * (2 * torch.rand(()))).softmax(dim=-1)
    targets = (torch.randn(batch_size, *input_shape) * (2 * torch.rand(()))).softmax(dim=-1)
    return [predictions, targets]


def get_init_inputs():
    return []
