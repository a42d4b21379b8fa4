"""A RegNet-style plain CNN: stages of two 3x3 conv+BatchNorm+ReLU layers and a max pool, mean pool, classifier."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Stacks one conv stage per entry of block_widths, then averages over space and classifies."""

    def __init__(self, input_channels, stages, block_widths, output_classes):
        super().__init__()
        self.stages = stages
        self.block_widths = block_widths
        layers = []
        current_channels = input_channels
        for i in range(stages):
            layers.append(self._make_stage(current_channels, block_widths[i]))
            current_channels = block_widths[i]
        self.feature_extractor = nn.Sequential(*layers)
        self.fc = nn.Linear(block_widths[-1], output_classes)

    def _make_stage(self, in_channels, out_channels):
        """Two 3x3 conv/BatchNorm/ReLU layers followed by a 2x2 max pool that halves the resolution."""
        return nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.feature_extractor(x)
        x = torch.mean(x, dim=[2, 3])  # global average pool
        x = self.fc(x)
        return x


batch_size = 8
input_channels = 3
stages = 3
block_widths = [64, 128, 256]
output_classes = 10

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "block_widths": [8, 16, 32]}}


def get_inputs():
    x = torch.randn(batch_size, input_channels, 224, 224)
    return [x]


def get_init_inputs():
    return [input_channels, stages, block_widths, output_classes]
