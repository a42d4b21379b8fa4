"""Multi-layer LSTM over a batch-first sequence from given initial states, returning the final hidden state h_n of every layer."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A stacked nn.LSTM (batch first) from (h0, c0); returns h_n (num_layers, batch, hidden_size)."""

    def __init__(self, input_size, hidden_size, num_layers, output_size, dropout=0.0):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, bidirectional=False)
        # The published module also applied a Linear to the last-step output and discarded the result;
        # it is left out: its weights cannot influence the returned state.

    def forward(self, x, h0, c0):
        out, state = self.lstm(x, (h0, c0))
        return state[0]


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
    h0 = torch.randn(num_layers, batch_size, hidden_size)
    c0 = torch.randn(num_layers, batch_size, hidden_size)
    return [x, h0, c0]


def get_init_inputs():
    return [input_size, hidden_size, num_layers, output_size, dropout]
