"""A vanilla (Elman) RNN unrolled over a sequence: tanh hidden update from [x_t, h], linear readout at every step."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Runs h = tanh(i2h([x_t, h])) over the sequence from h0 and returns the stacked outputs h2o(h)."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)  # input and previous hidden to hidden
        self.h2o = nn.Linear(hidden_size, output_size)  # hidden to output
        self.tanh = nn.Tanh()

    def forward(self, x: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
        # x: (seq_len, batch, input_size); h0: (batch, hidden_size); returns (seq_len, batch, output_size)
        h0 = h0.to(x.device)
        seq_len = x.size(0)
        hidden = h0
        outputs = []
        for t in range(seq_len):
            combined = torch.cat((x[t], hidden), dim=1)
            hidden = self.tanh(self.i2h(combined))
            outputs.append(self.h2o(hidden))
        return torch.stack(outputs, dim=0)


batch_size = 8
input_size = 1024
hidden_size = 256
output_size = 128
sequence_length = 256

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "input_size": 64, "hidden_size": 32, "output_size": 16, "sequence_length": 16}}


def get_inputs():
    x = torch.randn(sequence_length, batch_size, input_size)
    h0 = torch.randn(batch_size, hidden_size)
    return [x, h0]


def get_init_inputs():
    return [input_size, hidden_size, output_size]
