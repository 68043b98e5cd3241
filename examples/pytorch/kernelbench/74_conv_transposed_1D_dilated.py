# KernelBench level 1, problem 74: 74_conv_transposed_1D_dilated.py
# Model, the module-level sizes, get_inputs() and get_init_inputs() are KernelBench's, unchanged
# (github.com/ScalingIntelligence/KernelBench, MIT License: KernelBench/level1/, this file name).
# ModelNew, at the end, is the same layer run by convt1d; eval_kernelbench.py compares the two.
import os
import sys
from pathlib import Path

import torch
import torch.nn as nn

# convt1d_torch.py lives in the parent folder. KernelBench's own harness exec()s a problem's
# source, where __file__ is undefined: set CONVT1D_TORCH_DIR to examples/pytorch there.
_CONVT1D_TORCH_DIR = os.environ.get("CONVT1D_TORCH_DIR") or (
    str(Path(__file__).resolve().parent.parent) if "__file__" in globals() else ""
)
if _CONVT1D_TORCH_DIR and _CONVT1D_TORCH_DIR not in sys.path:
    sys.path.insert(0, _CONVT1D_TORCH_DIR)
import convt1d_torch  # noqa: E402

class Model(nn.Module):
    """
    Performs a transposed 1D convolution operation with square input and asymmetric kernel, optionally with dilation.

    Args:
        in_channels (int): Number of channels in the input tensor.
        out_channels (int): Number of channels produced by the convolution.
        kernel_size (int): Size of the convolution kernel.
        stride (int, optional): Stride of the convolution. Defaults to 1.
        padding (int, optional): Padding applied to the input. Defaults to 0.
        dilation (int, optional): Spacing between kernel elements. Defaults to 1.
        bias (bool, optional): If `True`, adds a learnable bias to the output. Defaults to `False`.
    """
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1, bias: bool = False):
        super(Model, self).__init__()
        self.conv1d_transpose = nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=bias)
        
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """
        Performs the transposed 1D convolution.

        Args:
            x (torch.Tensor): Input tensor of shape (batch_size, in_channels, length).

        Returns:
            torch.Tensor: Output tensor of shape (batch_size, out_channels, length_out).
        """
        return self.conv1d_transpose(x)

# Test code
batch_size = 32
in_channels = 32
out_channels = 64
kernel_size = 5
length = 131072
stride = 1
padding = 0
dilation = 3

def get_inputs():
    x = torch.rand(batch_size, in_channels, length)
    return [x]

def get_init_inputs():
    return [in_channels, out_channels, kernel_size, stride, padding, dilation]


class ModelNew(nn.Module):
    """Model with the transposed convolution run by convt1d (forward only: use under no_grad).

    It holds an nn.ConvTranspose1d built exactly as Model builds it, so that under one seed both
    draw the same weights and their state_dicts have the same keys.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1, bias: bool = False):
        super().__init__()
        self.conv1d_transpose = nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.conv1d_transpose
        return convt1d_torch.conv_transpose1d(
            x,
            conv.weight,
            conv.bias,
            stride=conv.stride,
            padding=conv.padding,
            output_padding=conv.output_padding,
            groups=conv.groups,
            dilation=conv.dilation,
        )
