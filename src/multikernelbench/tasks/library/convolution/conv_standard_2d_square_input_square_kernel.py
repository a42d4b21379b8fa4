"""Standard 2-D convolution with a square 11x11 kernel and stride 4 on square 224x224 RGB images (AlexNet's first layer)."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Applies AlexNet's first convolution, nn.Conv2d(3, 96, 11, stride 4, padding 2, with bias)."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        # num_classes is accepted for the published signature and not used by this single layer.
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=96, kernel_size=11, stride=4, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv1(x)


batch_size = 256
num_classes = 1000

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2}}


def get_inputs():
    x = torch.randn(batch_size, 3, 224, 224)
    return [x]


def get_init_inputs():
    return [num_classes]
