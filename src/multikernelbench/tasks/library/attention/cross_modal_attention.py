"""Cross-modal attention: text tokens attend to image patch features of a different width."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """Projects text to queries and image features to keys/values, then applies nn.MultiheadAttention."""

    def __init__(self, d_model_text=256, d_model_img=512, num_heads=8):
        super().__init__()
        # The shared attention width is not recorded; the text width is used, so the output matches the text.
        self.q_proj = nn.Linear(d_model_text, d_model_text)
        self.kv_proj = nn.Linear(d_model_img, d_model_text)
        self.mha = nn.MultiheadAttention(d_model_text, num_heads, batch_first=True)

    def forward(self, text: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
        q = self.q_proj(text)
        kv = self.kv_proj(img)
        out, _ = self.mha(q, kv, kv)
        return out


batch_size = 4
len_text = 32
len_img = 196
d_model_text = 256
d_model_img = 512
num_heads = 8

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"batch_size": 2, "len_text": 16, "len_img": 49, "d_model_text": 64, "d_model_img": 128, "num_heads": 4}}


def get_inputs():
    text = torch.randn(batch_size, len_text, d_model_text)
    img = torch.randn(batch_size, len_img, d_model_img)
    return [text, img]


def get_init_inputs():
    return [d_model_text, d_model_img, num_heads]
