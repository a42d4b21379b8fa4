"""Multi-layer GRU over a sequence with a given initial state, returning the final hidden state of every layer."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """A stacked nn.GRU started from h0; returns h_n (num_layers, batch, hidden_size)."""

    def __init__(self, input_size, hidden_size, num_layers=3, bias=True, batch_first=False):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout=0, bidirectional=False)

    def forward(self, x, h0):
        output, h_n = self.gru(x, h0)
        return h_n


batch_size = 10
seq_len = 512
input_size = 128
hidden_size = 256
num_layers = 6

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_len": 16, "input_size": 64, "hidden_size": 64}}


def get_inputs():
    x = torch.randn(seq_len, batch_size, input_size)
    h0 = torch.randn(num_layers, batch_size, hidden_size)
    return [x, h0]


def get_init_inputs():
    return [input_size, hidden_size, num_layers]
