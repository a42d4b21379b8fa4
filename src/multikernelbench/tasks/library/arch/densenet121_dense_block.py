"""DenseNet dense block: BatchNorm-ReLU-Conv3x3 layers, each fed the concatenation of all earlier feature maps."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A DenseNet-121 dense block; every layer adds growth_rate channels to the running concatenation."""

    def __init__(self, num_layers, num_input_features, growth_rate):
        super().__init__()
        layers = []
        for i in range(num_layers):
            layers.append(self._make_layer(num_input_features + i * growth_rate, growth_rate))
        self.layers = nn.ModuleList(layers)

    def _make_layer(self, in_features, growth_rate):
        return nn.Sequential(
            nn.BatchNorm2d(in_features),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_features, growth_rate, kernel_size=3, padding=1, bias=False),
            nn.Dropout(0.0),
        )

    def forward(self, x):
        features = [x]
        for layer in self.layers:
            new_feature = layer(x)
            features.append(new_feature)
            x = torch.cat(features, 1)  # concatenate along the channel axis
        return x


batch_size = 10
num_layers = 6
num_input_features = 32
growth_rate = 32
height = 224
width = 224

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "height": 32, "width": 32}}


def get_inputs():
    x = torch.randn(batch_size, num_input_features, height, width)
    return [x]


def get_init_inputs():
    return [num_layers, num_input_features, growth_rate]
