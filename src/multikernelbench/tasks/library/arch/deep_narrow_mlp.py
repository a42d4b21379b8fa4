"""Deep narrow MLP: sixteen equal hidden Linear+ReLU layers between a wide input and a wide output."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A Linear+ReLU per hidden size, then a final Linear to the output size."""

    def __init__(self, input_size, hidden_layer_sizes, output_size):
        super().__init__()
        layers = []
        current_input_size = input_size
        for hidden_size in hidden_layer_sizes:
            layers.append(nn.Linear(current_input_size, hidden_size))
            layers.append(nn.ReLU())
            current_input_size = hidden_size
        layers.append(nn.Linear(current_input_size, output_size))
        self.network = nn.Sequential(*layers)
        # He (ReLU-gain) weights: under the default init the signal shrinks ~6x per layer and after
        # sixteen layers the output no longer depends on the input beyond float32 tolerance.
        for layer in self.network:
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")

    def forward(self, x):
        return self.network(x)


batch_size = 1024
input_size = 8192
hidden_layer_sizes = [1024] * 16
output_size = 8192

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {
    "small": {
        "batch_size": 8,
        "input_size": 1024,
        "hidden_layer_sizes": [256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256],
        "output_size": 1024,
    }
}


def get_inputs():
    x = torch.randn(batch_size, input_size)
    return [x]


def get_init_inputs():
    return [input_size, hidden_layer_sizes, output_size]
