"""Multi-layer bidirectional GRU over a sequence with a given initial state, returning the top layer's output at every step."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A stacked bidirectional nn.GRU started from h0; returns its output sequence (seq_len, batch, 2 * hidden_size)."""

    def __init__(self, input_size, hidden_size, num_layers=3, bias=True, batch_first=False):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout=0, bidirectional=True)

    def forward(self, x, h0):
        output, h_n = self.gru(x, h0)
        return output


batch_size = 10
seq_len = 512
input_size = 128
hidden_size = 256
num_layers = 6

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 16, "input_size": 64, "hidden_size": 64}}


def get_inputs():
    x = torch.randn(seq_len, batch_size, input_size)
    h0 = torch.randn(num_layers * 2, batch_size, hidden_size)
    return [x, h0]


def get_init_inputs():
    return [input_size, hidden_size, num_layers]
