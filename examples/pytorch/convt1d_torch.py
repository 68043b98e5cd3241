"""convt1d for PyTorch: torch.nn.functional.conv_transpose1d and nn.ConvTranspose1d on convt1d.

    import convt1d_torch
    y = convt1d_torch.conv_transpose1d(x, w, b, stride=2, padding=1)  # F.conv_transpose1d's args
    layer = convt1d_torch.ConvTranspose1d(64, 32, 5, stride=2).cuda()   # nn.ConvTranspose1d's
    model = convt1d_torch.swap_conv_transpose1d(model)                # replaces every layer

The C++/CUDA binding (convt1d_torch.cpp, convt1d_torch_launch.cu) is compiled with torch.utils.cpp_extension.load the first
time an op runs, and cached by PyTorch (under ~/.cache/torch_extensions, or
$TORCH_EXTENSIONS_DIR); set CONVT1D_TORCH_VERBOSE=1 to see the build.

What it does and does not do:
  - forward only. Where autograd would need a gradient (grad mode on and the input, weight or
    bias requires grad) it raises NotImplementedError: run under torch.no_grad() or
    torch.inference_mode(). Backward is planned.
  - CUDA tensors only, float32, float16 or bfloat16. A CPU tensor raises RuntimeError; there is
    no silent fallback to PyTorch, so a model that was meant to run on convt1d never runs
    elsewhere unnoticed. Call torch.nn.functional.conv_transpose1d for CPU tensors.
  - inputs of any strides: non-contiguous tensors are copied to contiguous ones first.
  - float32 math follows PyTorch's own switch for convolutions: TF32 tensor cores when
    torch.backends.cudnn.conv.fp32_precision is "tf32" (or, on older PyTorch,
    torch.backends.cudnn.allow_tf32 is True: PyTorch's default), exact float32 otherwise. Pass
    math="exact", "tf32" or "3xtf32" (TF32 tensor cores at about float32 accuracy) to choose.
    float16 and bfloat16 always run on tensor cores with float32 accumulation.
  - unbatched 2D input (C_in, L_in) like PyTorch; `output_size` in ConvTranspose1d.forward like
    PyTorch; padding_mode 'zeros' only (as PyTorch itself for transposed convolutions).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

__all__ = [
    "ConvTranspose1d",
    "conv_transpose1d",
    "default_math",
    "load_extension",
    "swap_conv_transpose1d",
]

_HERE = Path(__file__).resolve().parent
_SOURCES = [_HERE / "convt1d_torch.cpp", _HERE / "convt1d_torch_launch.cu"]
_INCLUDE_DIR = _HERE.parent.parent / "include"

IntOrSingle = Union[int, Sequence[int]]

# convt1d::MathMode values, as the binding takes them.
MATH_MODES = {"exact": 0, "tf32": 1, "3xtf32": 2}


@functools.lru_cache(maxsize=None)
def load_extension():
    """The compiled binding module (built on first call; a failed build is retried next call)."""
    from torch.utils.cpp_extension import load

    return load(
        name="convt1d_torch_ext",
        sources=[str(source) for source in _SOURCES],
        extra_include_paths=[str(_INCLUDE_DIR)],
        extra_cuda_cflags=["-O3", "-std=c++17"],
        verbose=os.environ.get("CONVT1D_TORCH_VERBOSE", "0") not in ("", "0"),
    )


def _single_int(name: str, value: IntOrSingle) -> int:
    """An int argument that PyTorch also accepts as a sequence of one int."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(
                f"convt1d_torch: {name} must be an int or a sequence of one int for a 1D "
                f"convolution, got {value!r}"
            )
        (value,) = value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"convt1d_torch: {name} must be an int, got {value!r}")
    return value


def default_math() -> str:
    """The float32 math PyTorch itself would use for a convolution now: "tf32" or "exact".

    Reads torch.backends.cudnn.conv.fp32_precision, then its parents ("none" defers to them),
    then the legacy torch.backends.cudnn.allow_tf32.
    """
    cudnn = torch.backends.cudnn
    for owner in (getattr(cudnn, "conv", None), cudnn, torch.backends):
        precision = getattr(owner, "fp32_precision", None) if owner is not None else None
        if precision == "tf32":
            return "tf32"
        if precision == "ieee":
            return "exact"
    return "tf32" if cudnn.allow_tf32 else "exact"


def _math_code(math: Optional[str]) -> int:
    if math is None:
        math = default_math()
    if math not in MATH_MODES:
        raise ValueError(
            f"convt1d_torch: math must be None (follow PyTorch's TF32 setting), 'exact', 'tf32' "
            f"or '3xtf32', got {math!r}"
        )
    return MATH_MODES[math]


def _check_no_grad_needed(*tensors: Optional[torch.Tensor]) -> None:
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        raise NotImplementedError(
            "convt1d_torch: backward is not implemented yet (planned); the input, weight or bias "
            "requires grad while grad mode is on. Run the forward under torch.no_grad() or "
            "torch.inference_mode(), or call requires_grad_(False) on the parameters."
        )


def conv_transpose1d(
    input: torch.Tensor,
    weight: torch.Tensor,
    bias: Optional[torch.Tensor] = None,
    stride: IntOrSingle = 1,
    padding: IntOrSingle = 0,
    output_padding: IntOrSingle = 0,
    groups: int = 1,
    dilation: IntOrSingle = 1,
    *,
    math: Optional[str] = None,
) -> torch.Tensor:
    """torch.nn.functional.conv_transpose1d, same arguments in the same order, forward only.

    input (N, C_in, L_in) or (C_in, L_in); weight (C_in, C_out / groups, K); bias (C_out) or None.
    All CUDA tensors on one device, of one dtype among float32, float16, bfloat16. Runs on the
    current CUDA stream. Raises NotImplementedError where autograd would need a gradient.
    math (float32 only): None follows PyTorch's TF32 setting (default_math()); "exact", "tf32"
    or "3xtf32" choose.
    """
    math_code = _math_code(math)
    stride = _single_int("stride", stride)
    padding = _single_int("padding", padding)
    output_padding = _single_int("output_padding", output_padding)
    dilation = _single_int("dilation", dilation)
    groups = _single_int("groups", groups)
    _check_no_grad_needed(input, weight, bias)
    # Checked here as well as in the binding so that CPU-only use fails clearly without first
    # trying to compile CUDA code.
    for name, tensor in (("input", input), ("weight", weight), ("bias", bias)):
        if tensor is not None and not tensor.is_cuda:
            raise RuntimeError(
                f"convt1d_torch: {name} must be a CUDA tensor, got a tensor on {tensor.device}; "
                "convt1d runs on CUDA only (use torch.nn.functional.conv_transpose1d on the CPU)"
            )
    return load_extension().conv_transpose1d(
        input,
        weight,
        bias,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        math=math_code,
    )


class ConvTranspose1d(nn.ConvTranspose1d):
    """nn.ConvTranspose1d whose forward runs convt1d.

    Same constructor, parameters (weight (C_in, C_out / groups, K), bias (C_out)), initialization
    and state_dict as nn.ConvTranspose1d: under one seed both draw the same weights, and either
    loads the other's state_dict. Forward only (see conv_transpose1d). One keyword more: math
    (None, "exact", "tf32", "3xtf32"; see conv_transpose1d), also settable as the attribute.
    """

    def __init__(self, *args, math: Optional[str] = None, **kwargs):
        super().__init__(*args, **kwargs)
        _math_code(math)  # refuse a bad value now rather than at the first forward
        self.math = math

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.math is None else f"{text}, math={self.math!r}"

    def forward(self, input: torch.Tensor, output_size: Optional[Sequence[int]] = None):
        if self.padding_mode != "zeros":
            raise ValueError(
                f"convt1d_torch.ConvTranspose1d: only padding_mode='zeros' is supported, got "
                f"{self.padding_mode!r}"
            )
        # PyTorch's own rule (inherited): output_size picks output_padding in [0, stride).
        output_padding = self._output_padding(
            input,
            None if output_size is None else list(output_size),
            list(self.stride),
            list(self.padding),
            list(self.kernel_size),
            1,
            list(self.dilation),
        )
        return conv_transpose1d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
            math=self.math,
        )

    @classmethod
    def from_torch(
        cls, module: nn.ConvTranspose1d, math: Optional[str] = None
    ) -> "ConvTranspose1d":
        """A ConvTranspose1d that shares `module`'s parameters (no copy) and training mode.

        Raises ValueError for what convt1d cannot reproduce (see swap_conv_transpose1d).
        """
        _math_code(math)
        reason = _unsupported_reason(module)
        if reason is not None:
            raise ValueError(f"convt1d_torch.ConvTranspose1d.from_torch: {reason}")
        return cls._from_checked(module, math)

    @classmethod
    def _from_checked(
        cls, module: nn.ConvTranspose1d, math: Optional[str] = None
    ) -> "ConvTranspose1d":
        # Built on the meta device so that nothing is allocated and no random number is drawn,
        # then given the original Parameter objects.
        replacement = cls(
            module.in_channels,
            module.out_channels,
            _single_int("kernel_size", module.kernel_size),
            stride=_single_int("stride", module.stride),
            padding=_single_int("padding", module.padding),
            output_padding=_single_int("output_padding", module.output_padding),
            groups=module.groups,
            bias=module.bias is not None,
            dilation=_single_int("dilation", module.dilation),
            padding_mode=module.padding_mode,
            device="meta",
            dtype=module.weight.dtype,
            math=math,
        )
        replacement.weight = module.weight
        if module.bias is not None:
            replacement.bias = module.bias
        replacement.train(module.training)
        return replacement


def _unsupported_reason(module: nn.Module) -> Optional[str]:
    """Why `module` cannot be replaced by a ConvTranspose1d that behaves the same, or None."""
    from torch.nn.utils import parametrize

    kind = type(module).__name__
    if not isinstance(module, nn.ConvTranspose1d):
        return f"expected an nn.ConvTranspose1d, got {kind}"
    if parametrize.is_parametrized(module):
        return (
            f"{kind} has parametrizations (e.g. torch.nn.utils.parametrizations.weight_norm); "
            "remove them first (parametrize.remove_parametrizations)"
        )
    if type(module) not in (nn.ConvTranspose1d, ConvTranspose1d):
        return (
            f"{kind} is a subclass of nn.ConvTranspose1d, whose behaviour may differ; "
            "swap it by hand"
        )
    if module.padding_mode != "zeros":
        return f"padding_mode={module.padding_mode!r}: only 'zeros' is supported"
    for name in ("kernel_size", "stride", "padding", "output_padding", "dilation", "groups"):
        try:
            _single_int(name, getattr(module, name))
        except (TypeError, ValueError) as error:
            return str(error).removeprefix("convt1d_torch: ")
    if (
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or module._backward_pre_hooks
    ):
        return (
            "it has forward/backward hooks (e.g. torch.nn.utils.weight_norm), which the "
            "replacement would not carry over; remove them first"
        )
    return None


def swap_conv_transpose1d(model: nn.Module, math: Optional[str] = None) -> nn.Module:
    """Replaces every nn.ConvTranspose1d in `model` by a ConvTranspose1d sharing its parameters.

    Returns the model (the replacement itself where `model` is an nn.ConvTranspose1d). A module
    used at several places gets one replacement used at the same places. Modules that are
    already ConvTranspose1d are kept. All modules are checked first: if any cannot be replaced
    (padding_mode other than 'zeros', hooks, parametrizations, a subclass, a tuple argument of
    length other than 1) a ValueError names each of them and the model is left exactly as it was.
    math is given to every replacement (see conv_transpose1d).
    """
    _math_code(math)
    problems = []
    for name, module in model.named_modules():
        if isinstance(module, nn.ConvTranspose1d) and not isinstance(module, ConvTranspose1d):
            reason = _unsupported_reason(module)
            if reason is not None:
                problems.append(f"{name or '<the model itself>'}: {reason}")
    if problems:
        raise ValueError(
            "convt1d_torch.swap_conv_transpose1d: the model was left unchanged because these "
            "nn.ConvTranspose1d modules are not supported:\n  " + "\n  ".join(problems)
        )

    def needs_swap(module: nn.Module) -> bool:
        return isinstance(module, nn.ConvTranspose1d) and not isinstance(module, ConvTranspose1d)

    # Build every replacement before changing anything, then only assign.
    replacements = {}
    for module in model.modules():
        if needs_swap(module) and id(module) not in replacements:
            replacements[id(module)] = ConvTranspose1d._from_checked(module, math)
    if needs_swap(model):
        return replacements[id(model)]
    # parent._modules, not named_children(): the latter skips a module's second occurrence.
    for parent in list(model.modules()):
        for name, child in list(parent._modules.items()):
            if child is not None and needs_swap(child):
                setattr(parent, name, replacements[id(child)])
    return model
