"""EfficientNet-B2 style network: stem convolution, five MBConv blocks with squeeze-excitation, a 1x1 head convolution and a linear classifier."""
import torch
import torch.nn as nn


class SqueezeExcitation(nn.Module):
    """Global average pool, 1x1 reduce (channels / 4), ReLU, 1x1 expand and sigmoid, multiplied onto the input.

    The published module stacks these layers in its Sequential, so the gate replaced the feature map; that
    shrinks every later block to 1x1, where training-mode BatchNorm over a batch of 2 amplifies rounding
    into different outputs between runs. Scaling the input by the gate is squeeze-excitation as defined.
    """

    def __init__(self, channels):
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Conv2d(channels, channels // 4, kernel_size=1, stride=1, padding=0, bias=False),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // 4, channels, kernel_size=1, stride=1, padding=0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return x * self.gate(x)


class Model(nn.Module):
    """Five MBConv blocks (expand, depthwise, squeeze-excitation, project) between a stem and a classifier head."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.relu = nn.ReLU(inplace=True)

        # _make_mbconv_block(in, out, stride, expansion)
        self.mbconv1 = self._make_mbconv_block(32, 96, 1, 3)
        self.mbconv2 = self._make_mbconv_block(96, 144, 2, 6)
        self.mbconv3 = self._make_mbconv_block(144, 192, 2, 6)
        self.mbconv4 = self._make_mbconv_block(192, 288, 2, 6)
        self.mbconv5 = self._make_mbconv_block(288, 384, 1, 6)

        self.conv_final = nn.Conv2d(384, 1408, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn_final = nn.BatchNorm2d(1408)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(1408, num_classes)

    def _make_mbconv_block(self, in_channels, out_channels, stride, expand_ratio):
        layers = []
        expanded_channels = in_channels * expand_ratio

        # Expansion
        if expand_ratio != 1:
            layers.append(nn.Conv2d(in_channels, expanded_channels, kernel_size=1, stride=1, padding=0, bias=False))
            layers.append(nn.BatchNorm2d(expanded_channels))
            layers.append(nn.ReLU(inplace=True))

        # Depthwise convolution
        layers.append(
            nn.Conv2d(
                expanded_channels,
                expanded_channels,
                kernel_size=3,
                stride=stride,
                padding=1,
                groups=expanded_channels,
                bias=False,
            )
        )
        layers.append(nn.BatchNorm2d(expanded_channels))
        layers.append(nn.ReLU(inplace=True))

        # Squeeze and excitation: the sigmoid gate scales the feature map channel by channel
        layers.append(SqueezeExcitation(expanded_channels))

        # Projection
        layers.append(nn.Conv2d(expanded_channels, out_channels, kernel_size=1, stride=1, padding=0, bias=False))
        layers.append(nn.BatchNorm2d(out_channels))

        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.mbconv1(x)
        x = self.mbconv2(x)
        x = self.mbconv3(x)
        x = self.mbconv4(x)
        x = self.mbconv5(x)
        x = self.relu(self.bn_final(self.conv_final(x)))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


batch_size = 2
num_classes = 1000
height = 224
width = 224

# Size profiles: module constants that replace the ones above ("full" is the file as written).
PROFILES = {"small": {"height": 22, "width": 22}}


def get_inputs():
    # The small 22x22 keeps the last stage at 2x2: training-mode BatchNorm over only a few values per channel
    # amplifies rounding differences from layer to layer.
    x = torch.randn(batch_size, 3, height, width)
    return [x]


def get_init_inputs():
    return [num_classes]
