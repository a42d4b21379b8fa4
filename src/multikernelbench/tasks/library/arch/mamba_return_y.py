"""Mamba-2 structured state space duality (SSD) scan in chunked form, returning the output sequence Y."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Model(nn.Module):
    """Chunked SSD with learned A, B, C: intra-chunk (diagonal) outputs plus outputs carried over from earlier chunks' states."""

    def __init__(self, batch_size, seq_length, n_heads, d_head, d_state, block_len=64):
        super().__init__()
        assert seq_length % block_len == 0, "seq_length must be divisible by block_len"
        self.batch_size = batch_size
        self.seq_length = seq_length
        self.n_heads = n_heads
        self.d_head = d_head
        self.d_state = d_state
        self.block_len = block_len

        # A is scaled by 0.1 (like a small step size dt): with unit-variance A the cumulative sums reach
        # exp(+-30) within a chunk, and float32 cancellation puts the reference itself beyond 1e-4 of exact.
        self.A = nn.Parameter(torch.randn(batch_size, seq_length, n_heads) * 0.1)
        self.B = nn.Parameter(torch.randn(batch_size, seq_length, n_heads, d_state))
        self.C = nn.Parameter(torch.randn(batch_size, seq_length, n_heads, d_state))

    def segsum(self, x):
        """out[..., i, j] = x[..., j + 1] + ... + x[..., i] for j <= i, and -inf above the diagonal."""
        T = x.size(-1)
        x_cumsum = torch.cumsum(x, dim=-1)
        x_segsum = x_cumsum[..., :, None] - x_cumsum[..., None, :]
        mask = torch.tril(torch.ones(T, T, device=x.device, dtype=torch.bool), diagonal=0)
        return x_segsum.masked_fill(~mask, -torch.inf)

    def forward(self, X, initial_states=None):
        b, l = X.size(0), self.block_len
        c = X.size(1) // l
        # Split the sequence into c chunks of length l: (b, c, l, ...)
        X_blocks = X.reshape(b, c, l, *X.shape[2:])
        B_blocks = self.B.reshape(b, c, l, *self.B.shape[2:])
        C_blocks = self.C.reshape(b, c, l, *self.C.shape[2:])
        A_blocks = self.A.reshape(b, c, l, self.n_heads).permute(0, 3, 1, 2)  # (b, h, c, l)
        A_cumsum = torch.cumsum(A_blocks, dim=-1)

        # 1. Outputs within each chunk (diagonal blocks)
        L = torch.exp(self.segsum(A_blocks))
        Y_diag = torch.einsum("bclhn,bcshn,bhcls,bcshp->bclhp", C_blocks, B_blocks, L, X_blocks)

        # 2. State at the end of each chunk, from that chunk's inputs only
        decay_states = torch.exp(A_cumsum[:, :, :, -1:] - A_cumsum)
        states = torch.einsum("bclhn,bhcl,bclhp->bchpn", B_blocks, decay_states, X_blocks)

        # 3. Recurrence across chunks, starting from initial_states (zeros when not given)
        if initial_states is None:
            initial_states = torch.zeros_like(states[:, :1])
        states = torch.cat([initial_states, states], dim=1)
        decay_chunk = torch.exp(self.segsum(F.pad(A_cumsum[:, :, :, -1], (1, 0))))
        new_states = torch.einsum("bhzc,bchpn->bzhpn", decay_chunk, states)
        states = new_states[:, :-1]

        # 4. State-to-output conversion for every position of every chunk
        state_decay_out = torch.exp(A_cumsum)
        Y_off = torch.einsum("bclhn,bchpn,bhcl->bclhp", C_blocks, states, state_decay_out)

        # Diagonal plus off-diagonal terms, back to (batch, seq_length, n_heads, d_head)
        Y = Y_diag + Y_off
        return Y.reshape(b, c * l, *Y.shape[3:])


batch_size = 2048
seq_length = 128
n_heads = 8
d_head = 64
d_state = 16
block_len = 64

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "seq_length": 64, "n_heads": 4, "d_head": 32, "block_len": 16}}


def get_inputs():
    X = torch.randn(batch_size, seq_length, n_heads, d_head)
    return [X]


def get_init_inputs():
    return [batch_size, seq_length, n_heads, d_head, d_state, block_len]
