"""A ResNet basic block: two 3x3 conv+BatchNorm layers plus a 1x1-conv projection shortcut, then ReLU."""
import torch
import torch.nn as nn


class Model(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x))."""

    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = nn.Sequential(
            nn.Conv2d(in_channels, out_channels * self.expansion, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(out_channels * self.expansion),
        )
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


in_channels = 3
out_channels = 64
stride = 1
batch_size = 10
num_classes = 1000

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"out_channels": 8, "batch_size": 2}}


def get_inputs():
    x = torch.randn(batch_size, in_channels, 224, 224)
    return [x]


def get_init_inputs():
    return [in_channels, out_channels, stride]
