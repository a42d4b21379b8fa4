"""Multi-layer LSTM over a batch-first sequence followed by a linear layer on the last time step."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A stacked nn.LSTM (batch first) whose last-step output goes through a Linear; h0/c0 are optional."""

    def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
        super().__init__()
        self.num_layers = num_layers
        self.hidden_size = hidden_size
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, bidirectional=False)
        self.fc = nn.Linear(hidden_size, output_size)
        # Default initial states: random, drawn once here (under the seeded construction) and shared by every
        # sequence of the batch, so the forward is deterministic where a draw inside it would not be.
        self.register_buffer("h0_default", torch.randn(num_layers, 1, hidden_size))
        self.register_buffer("c0_default", torch.randn(num_layers, 1, hidden_size))

    def forward(self, x, h0=None, c0=None):
        batch_size = x.size(0)
        if h0 is None:
            h0 = self.h0_default.expand(-1, batch_size, -1).contiguous()
        if c0 is None:
            c0 = self.c0_default.expand(-1, batch_size, -1).contiguous()
        out, _ = self.lstm(x, (h0, c0))  # out: (batch, seq, hidden_size)
        return self.fc(out[:, -1, :])


batch_size = 10
sequence_length = 512
input_size = 128
hidden_size = 256
num_layers = 6
output_size = 10
dropout = 0.0

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "sequence_length": 16, "input_size": 64, "hidden_size": 64}}


def get_inputs():
    x = torch.randn(batch_size, sequence_length, input_size)
    return [x]


def get_init_inputs():
    return [input_size, hidden_size, num_layers, output_size, dropout]
