"""A SqueezeNet fire module: 1x1 squeeze conv, then parallel 1x1 and 3x3 expand convs concatenated."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """cat([relu(expand1x1(s)), relu(expand3x3(s))], 1) with s = relu(squeeze(x))."""

    def __init__(self, in_channels, squeeze_channels, expand1x1_channels, expand3x3_channels):
        super().__init__()
        self.squeeze = nn.Conv2d(in_channels, squeeze_channels, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_channels, expand1x1_channels, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_channels, expand3x3_channels, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )


batch_size = 128
num_input_features = 3
num_output_features = 64
squeeze_channels = 6
expand1x1_channels = 64
expand3x3_channels = 64

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "expand1x1_channels": 16, "expand3x3_channels": 16}}


def get_inputs():
    x = torch.randn(batch_size, num_input_features, 256, 256)
    return [x]


def get_init_inputs():
    return [num_input_features, squeeze_channels, expand1x1_channels, expand3x3_channels]
