"""One step of a vanilla (Elman) RNN cell: tanh update from the concatenated input and hidden state, readout."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Sets the hidden state (from initial_hidden when given), updates it with tanh(i2h([x, h])) and returns h2o(h)."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        # hidden state carried between calls, drawn at construction (the model is built under a fixed seed)
        self.hidden = torch.randn((batch_size, hidden_size))
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)  # input and previous hidden to hidden
        self.h2o = nn.Linear(hidden_size, output_size)  # hidden to output
        self.tanh = nn.Tanh()

    def forward(self, x: torch.Tensor, initial_hidden=None) -> torch.Tensor:
        if initial_hidden is not None:
            self.hidden.copy_(initial_hidden)
        self.hidden = self.hidden.to(x.device)
        combined = torch.cat((x, self.hidden), dim=1)
        self.hidden = self.tanh(self.i2h(combined))
        return self.h2o(self.hidden)


batch_size = 256
input_size = 16384
hidden_size = 16384
output_size = 8192
sequence_length = 256

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 4, "input_size": 256, "hidden_size": 256, "output_size": 128}}


def get_inputs():
    x = torch.randn(batch_size, input_size)
    initial_hidden = torch.randn(batch_size, hidden_size)
    return [x, initial_hidden]


def get_init_inputs():
    return [input_size, hidden_size, output_size]
