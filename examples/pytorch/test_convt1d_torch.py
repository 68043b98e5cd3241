"""Tests of the convt1d PyTorch binding against torch.nn.functional.conv_transpose1d.

    python3 -m pytest examples/pytorch -q          # from the repository root

Skipped without torch; the tests that run a kernel are skipped without a CUDA GPU, the others
(argument checks, module construction, the swap helper) run on the CPU too. The first test that
runs a kernel builds the extension (a minute or two; cached by PyTorch afterwards).

Every result is compared with F.conv_transpose1d computed in float64 on the CPU from the same
(already rounded) inputs, by relative L2 error ||y - ref|| / ||ref||: 1e-5 for float32 (exact
float32 arithmetic), 1e-2 for float16 and bfloat16 (rounding of the output). PyTorch's TF32
switch is turned off for every test (fixture exact_float32_by_default), so that float32 means
exact float32; the math-mode tests turn it on where they need it, and check TF32 (5e-4 over all
random cases together) and 3xTF32 (1e-5) results.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import convt1d_torch  # noqa: E402

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

DTYPES = [torch.float32, torch.float16, torch.bfloat16]


def set_pytorch_tf32(allowed: bool) -> None:
    """PyTorch's TF32 switch for cuDNN convolutions, through the API this version has."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        conv.fp32_precision = "tf32" if allowed else "ieee"
    else:
        torch.backends.cudnn.allow_tf32 = allowed


@pytest.fixture(autouse=True)
def exact_float32_by_default():
    """Every test starts with TF32 off (math=None then means exact), and PyTorch's setting is
    restored afterwards."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        saved = conv.fp32_precision
        conv.fp32_precision = "ieee"
        yield
        conv.fp32_precision = saved
    else:
        saved = torch.backends.cudnn.allow_tf32
        torch.backends.cudnn.allow_tf32 = False
        yield
        torch.backends.cudnn.allow_tf32 = saved

TOLERANCE = {torch.float32: 1e-5, torch.float16: 1e-2, torch.bfloat16: 1e-2}


@dataclasses.dataclass(frozen=True)
class Case:
    batch: int
    in_channels: int
    out_channels: int
    in_length: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    output_padding: int = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    def full_length(self) -> int:
        """The output length before padding is cropped."""
        return (
            (self.in_length - 1) * self.stride
            + self.dilation * (self.kernel_size - 1)
            + self.output_padding
            + 1
        )


def random_case(rng: random.Random) -> Case:
    large = rng.random() < 0.15
    if rng.random() < 0.15:  # depthwise, possibly with a channel multiplier
        groups = rng.randint(1, 24)
        in_per_group, out_per_group = 1, rng.choice([1, 1, 2, 3])
    else:
        groups = rng.choice([1, 1, 1, 2, 3, 4])
        most = 96 if large else 24
        in_per_group, out_per_group = rng.randint(1, most), rng.randint(1, most + most // 2)
    kernel_size = rng.choice([1, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 20, 25])
    stride = rng.choice([1, 1, 2, 2, 3, 4, 5, 8])
    dilation = rng.choice([1, 1, 1, 2, 3, 4])
    largest_output_padding = max(stride, dilation) - 1  # PyTorch: below stride or dilation
    output_padding = rng.choice([0, largest_output_padding, rng.randint(0, largest_output_padding)])
    in_length = rng.randint(100, 700) if large else rng.randint(1, 70)
    case = Case(
        batch=0 if rng.random() < 0.05 else rng.randint(1, 4),
        in_channels=in_per_group * groups,
        out_channels=out_per_group * groups,
        in_length=in_length,
        kernel_size=kernel_size,
        stride=stride,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        bias=rng.random() < 0.7,
    )
    largest_padding = (case.full_length() - 1) // 2  # keeps the output length at least 1
    padding = rng.choice(
        [
            0,
            largest_padding,
            rng.randint(0, largest_padding),
            min(largest_padding, dilation * (kernel_size - 1) // 2),
        ]
    )
    return dataclasses.replace(case, padding=padding)


EDGE_CASES = {
    "kernel_1": Case(2, 8, 8, 33, 1),
    "kernel_1_stride_3": Case(2, 8, 8, 33, 1, stride=3, output_padding=2),
    "stride_above_kernel": Case(2, 4, 6, 20, 2, stride=5, output_padding=4),
    "output_padding_below_stride": Case(3, 5, 7, 17, 3, stride=3, output_padding=2, dilation=1),
    "output_padding_below_dilation": Case(3, 5, 7, 17, 3, stride=1, output_padding=2, dilation=3),
    "output_length_1": Case(2, 4, 4, 3, 3, stride=2, padding=3),
    "in_length_1": Case(2, 6, 5, 1, 4, stride=3),
    "batch_0": Case(0, 4, 6, 10, 3, stride=2),
    "batch_0_no_bias": Case(0, 4, 6, 10, 3, stride=2, bias=False),
    "odd_channels": Case(3, 3, 5, 29, 5, stride=2, padding=1),
    "depthwise": Case(2, 16, 16, 50, 3, stride=2, padding=1, groups=16),
    "depthwise_multiplier": Case(2, 8, 24, 50, 5, stride=1, padding=2, groups=8),
    "groups_4": Case(2, 32, 64, 40, 4, stride=2, padding=1, groups=4),
    "large_kernel": Case(2, 8, 16, 40, 31, stride=4, padding=7, dilation=2),
    "long_input": Case(2, 4, 4, 5000, 3, stride=2, padding=1),
    "gemm_large": Case(8, 64, 256, 4096, 3),
    "gemm_medium": Case(4, 64, 96, 2048, 3, stride=2, padding=1, dilation=2),
    "gemm_narrow": Case(2, 48, 40, 1500, 5, stride=1, dilation=3),
    "gemm_short_phase": Case(4, 64, 64, 20, 3, stride=4, output_padding=3),
    "kernelbench_64_small": Case(2, 128, 128, 512, 3),
    "kernelbench_79_small": Case(2, 32, 64, 1024, 3, stride=2, padding=1, dilation=2),
}
_rng = random.Random(20251125)
RANDOM_CASES = {f"random_{i:03d}": random_case(_rng) for i in range(100)}
ALL_CASES = {**EDGE_CASES, **RANDOM_CASES}


def rel_l2(actual: torch.Tensor, expected: torch.Tensor) -> float:
    actual = actual.detach().to("cpu", torch.float64)
    expected = expected.detach().to("cpu", torch.float64)
    assert actual.shape == expected.shape
    if expected.numel() == 0:
        return 0.0
    reference_norm = expected.norm().item()
    error_norm = (actual - expected).norm().item()
    return error_norm / reference_norm if reference_norm > 0 else error_norm


def make_tensors(case: Case, dtype: torch.dtype, seed: int, device: str = "cuda"):
    """x, w, b (b None without bias), rounded to dtype, on device."""
    generator = torch.Generator().manual_seed(seed)
    fan_in = (case.in_channels // case.groups) * case.kernel_size
    x = torch.randn(case.batch, case.in_channels, case.in_length, generator=generator)
    w = (
        torch.randn(
            case.in_channels,
            case.out_channels // case.groups,
            case.kernel_size,
            generator=generator,
        )
        / fan_in**0.5
    )
    b = torch.randn(case.out_channels, generator=generator) if case.bias else None
    move = lambda t: None if t is None else t.to(device=device, dtype=dtype)  # noqa: E731
    return move(x), move(w), move(b)


def reference(case: Case, x, w, b) -> torch.Tensor:
    double = lambda t: None if t is None else t.detach().to("cpu", torch.float64)  # noqa: E731
    return F.conv_transpose1d(
        double(x),
        double(w),
        double(b),
        case.stride,
        case.padding,
        case.output_padding,
        case.groups,
        case.dilation,
    )


def run(case: Case, x, w, b, math=None) -> torch.Tensor:
    return convt1d_torch.conv_transpose1d(
        x, w, b, case.stride, case.padding, case.output_padding, case.groups, case.dilation,
        math=math,
    )


# ---- results against PyTorch ----


@requires_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).removeprefix("torch."))
@pytest.mark.parametrize("name", list(ALL_CASES))
def test_matches_pytorch(name, dtype):
    case = ALL_CASES[name]
    x, w, b = make_tensors(case, dtype, seed=sorted(ALL_CASES).index(name))
    y = run(case, x, w, b)
    expected = reference(case, x, w, b)
    assert y.shape == expected.shape, case
    assert y.dtype == dtype and y.device == x.device
    assert rel_l2(y, expected) <= TOLERANCE[dtype], case


# TF32 rounds both operands of a product to a 10-bit mantissa: any one result is within about
# 2^-10 relative; over many random problems the error is about 2.6e-4.
MATH_TOLERANCE = {"tf32": 2e-3, "3xtf32": 1e-5}
POOLED_TOLERANCE = {"tf32": 5e-4, "3xtf32": 1e-5}


@requires_cuda
@pytest.mark.parametrize("math", ["tf32", "3xtf32"])
def test_float32_math_modes_match_pytorch(math):
    error_sq, reference_sq = 0.0, 0.0
    for name in sorted(ALL_CASES):
        case = ALL_CASES[name]
        x, w, b = make_tensors(case, torch.float32, seed=sorted(ALL_CASES).index(name))
        y = run(case, x, w, b, math=math)
        expected = reference(case, x, w, b)
        error = rel_l2(y, expected)
        assert error <= MATH_TOLERANCE[math], (name, case, error)
        error_sq += (y.double().cpu() - expected).square().sum().item()
        reference_sq += expected.square().sum().item()
    pooled = (error_sq / reference_sq) ** 0.5
    assert pooled <= POOLED_TOLERANCE[math], pooled
    if math == "tf32":
        assert pooled > 1e-6, "TF32 left no trace: the operands were not rounded"


@requires_cuda
def test_default_math_follows_pytorch_tf32_switch():
    case = Case(2, 64, 48, 200, 4, stride=2, padding=1)
    x, w, b = make_tensors(case, torch.float32, seed=7)
    exact = run(case, x, w, b, math="exact")
    tf32 = run(case, x, w, b, math="tf32")
    assert not torch.equal(exact, tf32)
    set_pytorch_tf32(False)
    assert convt1d_torch.default_math() == "exact"
    assert torch.equal(run(case, x, w, b), exact)
    set_pytorch_tf32(True)
    assert convt1d_torch.default_math() == "tf32"
    assert torch.equal(run(case, x, w, b), tf32)
    module = convt1d_torch.ConvTranspose1d(64, 48, 4, stride=2, padding=1, math="exact").cuda()
    with torch.no_grad():
        module.weight.copy_(w)
        module.bias.copy_(b)
        assert torch.equal(module(x), exact)  # an explicit math wins over PyTorch's switch


def test_default_math_reads_pytorch_switch():
    set_pytorch_tf32(True)
    assert convt1d_torch.default_math() == "tf32"
    set_pytorch_tf32(False)
    assert convt1d_torch.default_math() == "exact"
    layer = convt1d_torch.ConvTranspose1d(4, 4, 3, math="3xtf32")
    assert layer.math == "3xtf32" and "math='3xtf32'" in repr(layer)
    swapped = convt1d_torch.swap_conv_transpose1d(nn.Sequential(nn.ConvTranspose1d(4, 4, 3)),
                                                  math="exact")
    assert swapped[0].math == "exact"


def test_invalid_math_is_refused():
    with pytest.raises(ValueError, match="math must be"):
        convt1d_torch.ConvTranspose1d(4, 4, 3, math="fp64")
    layer = nn.ConvTranspose1d(4, 4, 3)
    with pytest.raises(ValueError, match="math must be"):
        convt1d_torch.swap_conv_transpose1d(layer, math="TF32")
    with pytest.raises(ValueError, match="math must be"):
        convt1d_torch.conv_transpose1d(
            torch.zeros(1, 4, 8), torch.zeros(4, 4, 3), math="half"
        )


@requires_cuda
def test_binding_refuses_an_unknown_math_code():
    x = torch.randn(1, 4, 8, device="cuda")
    w = torch.randn(4, 2, 3, device="cuda")
    with pytest.raises(RuntimeError, match="math must be 0"):
        convt1d_torch.load_extension().conv_transpose1d(x, w, None, math=3)


@requires_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).removeprefix("torch."))
def test_unbatched_input(dtype):
    case = Case(1, 6, 10, 31, 3, stride=2, padding=1, output_padding=1, groups=2)
    x, w, b = make_tensors(case, dtype, seed=1)
    y = run(case, x[0], w, b)
    assert y.shape == (10, case.full_length() - 2)
    assert rel_l2(y, reference(case, x[0], w, b)) <= TOLERANCE[dtype]


@requires_cuda
def test_non_contiguous_inputs():
    case = Case(3, 12, 8, 40, 5, stride=3, padding=2, groups=2)
    x, w, b = make_tensors(case, torch.float32, seed=2)
    x_strided = x.transpose(1, 2).contiguous().transpose(1, 2)  # (N, C, L) view of (N, L, C)
    w_strided = w.permute(2, 1, 0).contiguous().permute(2, 1, 0)
    b_strided = torch.stack([b, torch.zeros_like(b)], dim=1)[:, 0]  # stride 2
    assert not (x_strided.is_contiguous() or w_strided.is_contiguous() or b_strided.is_contiguous())
    y = run(case, x_strided, w_strided, b_strided)
    assert rel_l2(y, reference(case, x, w, b)) <= 1e-5


@requires_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: str(d).removeprefix("torch."))
def test_contiguous_views_at_odd_offsets(dtype):
    # Contiguous, so not copied, but their data pointers are misaligned for vector loads.
    case = Case(2, 16, 32, 67, 3, stride=2, padding=1)
    x, w, b = make_tensors(case, dtype, seed=3)

    def shifted(t):
        storage = torch.empty(t.numel() + 1, dtype=t.dtype, device=t.device)
        view = storage[1:].view(t.shape)
        view.copy_(t)
        return view

    x_odd, w_odd, b_odd = shifted(x), shifted(w), shifted(b)
    assert x_odd.is_contiguous() and x_odd.storage_offset() == 1
    y = run(case, x_odd, w_odd, b_odd)
    assert rel_l2(y, reference(case, x, w, b)) <= TOLERANCE[dtype]


@requires_cuda
def test_runs_on_the_current_stream():
    case = Case(4, 32, 32, 1000, 3, stride=2, padding=1)
    x, w, b = make_tensors(case, torch.float32, seed=4)
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        y = run(case, x, w, b)
        y_sum = y.sum()  # queued behind the kernel on the same stream
    stream.synchronize()
    expected = reference(case, x, w, b)
    assert rel_l2(y, expected) <= 1e-5
    assert abs(y_sum.item() - expected.sum().item()) <= 1e-3 * expected.abs().sum().item()


@requires_cuda
def test_tuple_arguments_of_length_one():
    case = Case(2, 4, 6, 20, 3, stride=2, padding=1, output_padding=1, dilation=2)
    x, w, b = make_tensors(case, torch.float32, seed=5)
    y = convt1d_torch.conv_transpose1d(x, w, b, (2,), (1,), [1], 1, (2,))
    assert rel_l2(y, reference(case, x, w, b)) <= 1e-5


# ---- the module and the swap helper ----


def test_module_draws_the_same_parameters_as_pytorch():
    arguments = dict(stride=2, padding=1, output_padding=1, groups=2, bias=True, dilation=2)
    torch.manual_seed(7)
    expected = nn.ConvTranspose1d(8, 6, 5, **arguments)
    torch.manual_seed(7)
    module = convt1d_torch.ConvTranspose1d(8, 6, 5, **arguments)
    assert isinstance(module, nn.ConvTranspose1d)
    assert module.weight.shape == (8, 3, 5) and module.bias.shape == (6,)
    assert torch.equal(module.weight, expected.weight) and torch.equal(module.bias, expected.bias)
    assert list(module.state_dict()) == list(expected.state_dict())


@requires_cuda
@pytest.mark.parametrize("bias", [True, False])
def test_module_matches_pytorch_after_load_state_dict(bias):
    expected = nn.ConvTranspose1d(
        12, 20, 4, stride=3, padding=2, output_padding=1, groups=4, bias=bias, dilation=2
    )
    module = convt1d_torch.ConvTranspose1d(
        12, 20, 4, stride=3, padding=2, output_padding=1, groups=4, bias=bias, dilation=2
    )
    module.load_state_dict(expected.state_dict())
    module.cuda()
    x = torch.randn(3, 12, 45)
    with torch.no_grad():
        y = module(x.cuda())
        reference_output = copy.deepcopy(expected).double()(x.double())
    assert rel_l2(y, reference_output) <= 1e-5


@requires_cuda
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_module_in_half_precision(dtype):
    module = convt1d_torch.ConvTranspose1d(
        16, 8, 3, stride=2, padding=1, device="cuda", dtype=dtype
    )
    x = torch.randn(2, 16, 64, device="cuda", dtype=dtype)
    with torch.inference_mode():
        y = module(x)
    expected = F.conv_transpose1d(
        x.cpu().double(),
        module.weight.detach().cpu().double(),
        module.bias.detach().cpu().double(),
        2,
        1,
    )
    assert y.dtype == dtype and rel_l2(y, expected) <= 1e-2


@requires_cuda
@pytest.mark.parametrize("extra", [[], [2, 8]], ids=["length_only", "with_batch_and_channels"])
def test_module_output_size(extra):
    expected = nn.ConvTranspose1d(4, 8, 3, stride=3, padding=1)
    module = convt1d_torch.ConvTranspose1d.from_torch(copy.deepcopy(expected)).cuda()
    expected.double()
    x = torch.randn(2, 4, 10)
    shortest = (10 - 1) * 3 - 2 * 1 + (3 - 1) + 1
    with torch.no_grad():
        for length in (shortest, shortest + 1, shortest + 2):  # output_padding 0, 1, 2
            y = module(x.cuda(), output_size=extra + [length])
            assert y.shape == (2, 8, length)
            assert rel_l2(y, expected(x.double(), output_size=extra + [length])) <= 1e-5
        with pytest.raises(ValueError, match="requested an output size"):
            module(x.cuda(), output_size=extra + [shortest + 3])


def test_from_torch_shares_parameters():
    original = nn.ConvTranspose1d(4, 6, 3, stride=2, bias=True).eval()
    module = convt1d_torch.ConvTranspose1d.from_torch(original)
    assert type(module) is convt1d_torch.ConvTranspose1d
    assert module.weight is original.weight and module.bias is original.bias
    assert module.stride == (2,) and not module.training


def _model():
    shared = nn.ConvTranspose1d(8, 8, 3, padding=1)
    return nn.Sequential(
        nn.ConvTranspose1d(4, 8, 4, stride=2, padding=1),
        nn.ReLU(),
        shared,
        nn.Sequential(nn.ConvTranspose1d(8, 8, 3, groups=8, dilation=2), nn.Tanh()),
        shared,
        nn.ConvTranspose1d(8, 2, 1, bias=False),
    )


@requires_cuda
def test_swap_replaces_every_layer_and_keeps_results():
    torch.manual_seed(11)
    model = _model().cuda()
    keys = list(model.state_dict())
    x = torch.randn(2, 4, 30, device="cuda")
    with torch.no_grad():
        expected = copy.deepcopy(model).cpu().double()(x.cpu().double())
    swapped = convt1d_torch.swap_conv_transpose1d(model)
    assert swapped is model
    layers = [m for m in model.modules() if isinstance(m, nn.ConvTranspose1d)]
    assert len(layers) == 4 and all(type(m) is convt1d_torch.ConvTranspose1d for m in layers)
    assert model[2] is model[4]  # a shared layer stays shared
    assert list(model.state_dict()) == keys
    with torch.no_grad():
        y = model(x)
    assert rel_l2(y, expected) <= 1e-5
    assert convt1d_torch.swap_conv_transpose1d(model) is model  # idempotent


def test_swap_of_a_single_layer_returns_its_replacement():
    layer = nn.ConvTranspose1d(3, 5, 2)
    swapped = convt1d_torch.swap_conv_transpose1d(layer)
    assert type(swapped) is convt1d_torch.ConvTranspose1d and swapped.weight is layer.weight


@pytest.mark.parametrize("breakage", ["padding_mode", "hook", "tuple_of_two", "subclass"])
def test_swap_refuses_unsupported_layers_and_leaves_the_model_untouched(breakage):
    model = _model()
    target = model[3][0]
    if breakage == "padding_mode":
        target.padding_mode = "circular"  # the constructor refuses it; set it afterwards
        message = "padding_mode='circular'"
    elif breakage == "hook":
        target.register_forward_hook(lambda module, args, output: output)
        message = "hooks"
    elif breakage == "tuple_of_two":
        target.stride = (2, 2)
        message = "stride must be an int or a sequence of one int"
    else:

        class Custom(nn.ConvTranspose1d):
            pass

        model[3][0] = target = Custom(8, 8, 3)
        message = "subclass"
    before = [(name, module, type(module)) for name, module in model.named_modules()]
    with pytest.raises(ValueError, match=message) as error:
        convt1d_torch.swap_conv_transpose1d(model)
    assert "3.0" in str(error.value) and "left unchanged" in str(error.value)
    after = [(name, module, type(module)) for name, module in model.named_modules()]
    assert after == before
    with pytest.raises(ValueError, match=message):
        convt1d_torch.ConvTranspose1d.from_torch(target)


# ---- autograd and argument errors ----


def test_grad_needed_raises_not_implemented():
    module = convt1d_torch.ConvTranspose1d(4, 4, 3)  # parameters require grad
    device = "cuda" if torch.cuda.is_available() else "cpu"
    module.to(device)
    x = torch.randn(1, 4, 8, device=device)
    with pytest.raises(NotImplementedError, match="backward is not implemented"):
        module(x)
    w = torch.randn(4, 4, 3, device=device)
    with pytest.raises(NotImplementedError, match="torch.no_grad"):
        convt1d_torch.conv_transpose1d(x.requires_grad_(), w)


@requires_cuda
def test_no_grad_and_inference_mode_run_with_parameters_that_require_grad():
    module = convt1d_torch.ConvTranspose1d(4, 4, 3).cuda()
    x = torch.randn(1, 4, 8, device="cuda")
    with torch.no_grad():
        y = module(x)
    with torch.inference_mode():
        assert torch.equal(module(x), y)
    module.requires_grad_(False)
    assert torch.equal(module(x), y)


def test_cpu_tensors_are_refused_before_any_build():
    x, w = torch.randn(1, 4, 8), torch.randn(4, 2, 3)
    with pytest.raises(RuntimeError, match="input must be a CUDA tensor, got a tensor on cpu"):
        convt1d_torch.conv_transpose1d(x, w)
    with pytest.raises(RuntimeError, match="CUDA"):
        with torch.no_grad():
            convt1d_torch.ConvTranspose1d(4, 2, 3)(x)


@requires_cuda
def test_binding_refuses_cpu_and_mixed_devices():
    binding = convt1d_torch.load_extension()
    x, w = torch.randn(1, 4, 8), torch.randn(4, 2, 3)
    with pytest.raises(RuntimeError, match="x must be a CUDA tensor"):
        binding.conv_transpose1d(x, w)
    with pytest.raises(RuntimeError, match="weight must be a CUDA tensor"):
        binding.conv_transpose1d(x.cuda(), w)
    with pytest.raises(RuntimeError, match="bias must be a CUDA tensor"):
        binding.conv_transpose1d(x.cuda(), w.cuda(), torch.zeros(2))
    with pytest.raises(RuntimeError, match="weight must be a CUDA tensor"):
        convt1d_torch.conv_transpose1d(x.cuda(), w)


@requires_cuda
@pytest.mark.parametrize(
    "dtype, message",
    [
        (torch.float64, "float64 is not compiled into this extension"),
        (torch.int32, "got torch.int32"),
        (torch.int64, "must have dtype torch.float32, torch.float16 or torch.bfloat16"),
    ],
    ids=["float64", "int32", "int64"],
)
def test_unsupported_dtypes_are_refused(dtype, message):
    x = torch.ones(1, 4, 8, device="cuda", dtype=dtype)
    w = torch.ones(4, 2, 3, device="cuda", dtype=dtype)
    with pytest.raises(RuntimeError, match=message):
        convt1d_torch.conv_transpose1d(x, w)


@requires_cuda
def test_mixed_dtypes_are_refused():
    x = torch.randn(1, 4, 8, device="cuda")
    w = torch.randn(4, 2, 3, device="cuda")
    with pytest.raises(
        RuntimeError, match="weight has dtype torch.float16 but x has dtype torch.float32"
    ):
        convt1d_torch.conv_transpose1d(x, w.half())
    with pytest.raises(RuntimeError, match="bias has dtype torch.bfloat16"):
        convt1d_torch.conv_transpose1d(x, w, torch.zeros(2, device="cuda", dtype=torch.bfloat16))


@requires_cuda
@pytest.mark.parametrize(
    "x_shape, w_shape, bias_shape, arguments, message",
    [
        (
            (1, 4, 8),
            (5, 2, 3),
            None,
            {},
            "x has 4 channels but weight.size\\(0\\) \\(in_channels\\) is 5",
        ),
        ((1, 4, 8), (4, 6), None, {}, "weight must be 3D"),
        ((1, 1, 4, 8), (4, 2, 3), None, {}, "x must be 3D .* or 2D"),
        ((8,), (4, 2, 3), None, {}, "x must be 3D .* or 2D"),
        ((1, 4, 8), (4, 2, 3), (3,), {}, "bias must be 1D of length out_channels = .* = 2"),
        ((1, 4, 8), (4, 2, 3), (1, 2), {}, "bias must be 1D"),
        ((1, 4, 8), (4, 2, 3), None, {"groups": 3}, "divisible by groups"),
        ((1, 4, 8), (4, 2, 3), None, {"groups": 0}, "groups must be at least 1"),
        ((1, 4, 8), (4, 2, 3), None, {"stride": 0}, "stride must be at least 1"),
        ((1, 4, 8), (4, 2, 3), None, {"dilation": 0}, "dilation must be at least 1"),
        ((1, 4, 8), (4, 2, 3), None, {"padding": -1}, "padding must not be negative"),
        (
            (1, 4, 8),
            (4, 2, 3),
            None,
            {"stride": 2, "output_padding": 2},
            "output_padding must be smaller",
        ),
        ((1, 4, 8), (4, 2, 3), None, {"padding": 10}, "output length"),
        ((1, 4, 0), (4, 2, 3), None, {}, "in_length must be at least 1"),
    ],
    ids=[
        "channel_mismatch",
        "weight_2d",
        "x_4d",
        "x_1d",
        "bias_length",
        "bias_2d",
        "groups_divide",
        "groups_0",
        "stride_0",
        "dilation_0",
        "negative_padding",
        "output_padding_too_large",
        "padding_too_large",
        "empty_length",
    ],
)
def test_invalid_arguments_are_refused(x_shape, w_shape, bias_shape, arguments, message):
    x = torch.randn(*x_shape, device="cuda")
    w = torch.randn(*w_shape, device="cuda")
    b = None if bias_shape is None else torch.randn(*bias_shape, device="cuda")
    with pytest.raises(RuntimeError, match=message):
        convt1d_torch.conv_transpose1d(x, w, b, **arguments)
