"""Multi-layer bidirectional LSTM over a batch-first sequence from given initial states, followed by a linear layer on the last time step."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A stacked bidirectional nn.LSTM (batch first) from (h0, c0); its last-step output goes through a Linear."""

    def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, bidirectional=True)
        self.fc = nn.Linear(hidden_size * 2, output_size)

    def forward(self, x, h0, c0):
        out, _ = self.lstm(x, (h0, c0))  # out: (batch, seq, 2 * hidden_size)
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
    h0 = torch.randn(num_layers * 2, batch_size, hidden_size)
    c0 = torch.randn(num_layers * 2, batch_size, hidden_size)
    return [x, h0, c0]


def get_init_inputs():
    return [input_size, hidden_size, num_layers, output_size, dropout]
