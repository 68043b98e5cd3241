"""KernelBench's evaluation of ModelNew against Model, for the three conv_transpose1d problems.

    python3 examples/pytorch/eval_kernelbench.py [--out results.md] [--problems 64 79]

Follows KernelBench (src/kernelbench/eval.py and timing.py) for the parts it defines:
  - Model and ModelNew are each built right after torch.manual_seed(seed), so they draw the same
    weights, then moved to CUDA; everything runs under torch.no_grad().
  - correctness: `--correct-trials` (5) trials, each with fresh inputs from get_inputs() under its
    own seed (drawn from `seed`); a trial passes when the shapes match and
    torch.allclose(Model, ModelNew, atol=1e-2, rtol=1e-2).
  - timing: `--warmup` (3) calls, then `--trials` (100) timed calls (after one discarded call),
    each between two CUDA events, with the L2 cache flushed before each; the mean is reported.
    ModelNew is timed only where it is correct.
Added here: both precisions PyTorch offers for float32 convolutions, each compared like with
like. ModelNew follows PyTorch's TF32 switch (convt1d_torch's math=None), so under PyTorch's
default (TF32 allowed) it runs convt1d's TF32 mode, and with TF32 off its exact float32 mode.
Model and ModelNew are checked and timed in both settings. A stricter check of every trial: the
relative L2 error ||y - y_ref|| / ||y_ref|| against F.conv_transpose1d on float64 copies of the
same tensors, which ModelNew must keep below 5e-4 with TF32 and 1e-5 exact. The rel-L2 columns of
PyTorch show which precision it used. torch.backends.cudnn.benchmark keeps its default (off), as
in KernelBench.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import sys
import traceback
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
KERNELBENCH_DIR = HERE / "kernelbench"
PROBLEMS = [
    "64_conv_transposed_1D",
    "74_conv_transposed_1D_dilated",
    "79_conv_transposed_1D_asymmetric_input_square_kernel___padded____strided____dilated__",
]
ALLCLOSE_TOLERANCE = 1e-2  # KernelBench's atol = rtol for float32
REL_L2_TOLERANCE = {"default": 5e-4, "fp32": 1e-5}  # TF32 rounding; exact float32


def set_seed(seed: int) -> None:
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)


def load_problem(name: str):
    spec = importlib.util.spec_from_file_location(
        f"kernelbench_{name}", KERNELBENCH_DIR / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_cuda(values):
    return [v.cuda() if isinstance(v, torch.Tensor) else v for v in values]


def clear_l2_cache() -> None:
    # KernelBench's way: write 256 MiB, more than any current GPU's L2.
    dummy = torch.empty((32, 1024, 1024), dtype=torch.int64, device="cuda")
    dummy.fill_(42)
    del dummy


def time_cuda_events(fn, args, warmup: int, trials: int, discard_first: int = 1) -> list[float]:
    """KernelBench's time_execution_with_cuda_event: milliseconds of each timed call."""
    for _ in range(warmup):
        fn(*args)
        torch.cuda.synchronize()
    torch.cuda.empty_cache()
    times = []
    for trial in range(trials + discard_first):
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        clear_l2_cache()
        start.record()
        fn(*args)
        end.record()
        torch.cuda.synchronize()
        if trial >= discard_first:
            times.append(start.elapsed_time(end))
    return times


@contextlib.contextmanager
def cudnn_tf32(allow: bool):
    """PyTorch's TF32 switch for cuDNN convolutions inside a with-block, restored after."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        saved = conv.fp32_precision
        conv.fp32_precision = "tf32" if allow else "ieee"
        try:
            yield
        finally:
            conv.fp32_precision = saved
    else:
        saved = torch.backends.cudnn.allow_tf32
        torch.backends.cudnn.allow_tf32 = allow
        try:
            yield
        finally:
            torch.backends.cudnn.allow_tf32 = saved


def rel_l2_vs_float64(outputs: list[torch.Tensor], x: torch.Tensor, conv) -> list[float]:
    """||y - y64|| / ||y64|| for each y of `outputs`, y64 = F.conv_transpose1d in float64.

    The float64 reference is computed a few batch rows at a time to bound its memory.
    """
    weight = conv.weight.double()
    bias = conv.bias.double() if conv.bias is not None else None
    row_bytes = max(1, outputs[0][0].numel() * 8)
    rows = max(1, (1 << 30) // row_bytes)
    error_sq = [0.0] * len(outputs)
    reference_sq = 0.0
    for begin in range(0, x.shape[0], rows):
        end = begin + rows
        reference = F.conv_transpose1d(
            x[begin:end].double(),
            weight,
            bias,
            conv.stride,
            conv.padding,
            conv.output_padding,
            conv.groups,
            conv.dilation,
        )
        reference_sq += reference.square().sum().item()
        for i, y in enumerate(outputs):
            error_sq[i] += (y[begin:end].double() - reference).square().sum().item()
        del reference
    if reference_sq == 0.0:
        return [0.0 if e == 0.0 else math.inf for e in error_sq]
    return [math.sqrt(e / reference_sq) for e in error_sq]


def evaluate(name: str, args) -> dict:
    row = {"problem": name}
    problem = load_problem(name)
    set_seed(args.seed)
    init_inputs = problem.get_init_inputs()
    set_seed(args.seed)
    model = problem.Model(*init_inputs).cuda()
    set_seed(args.seed)
    model_new = problem.ModelNew(*init_inputs).cuda()
    conv = model.conv1d_transpose  # all three problems name their layer so

    # Correctness, KernelBench's trials plus the float64 check.
    torch.manual_seed(args.seed)
    trial_seeds = [torch.randint(0, 2**32 - 1, (1,)).item() for _ in range(args.correct_trials)]
    keys = ("new", "new_fp32", "tf32", "fp32")
    passed, worst = 0, {key: None for key in keys}  # None: not measured
    try:
        for trial_seed in trial_seeds:
            set_seed(trial_seed)
            inputs = to_cuda(problem.get_inputs())
            reference = model(*inputs)  # PyTorch's default TF32 setting
            output = model_new(*inputs)
            with cudnn_tf32(False):
                reference_fp32 = model(*inputs)
                output_fp32 = model_new(*inputs)
            torch.cuda.synchronize()
            for y, y_ref in ((output, reference), (output_fp32, reference_fp32)):
                if y.shape != y_ref.shape:
                    raise RuntimeError(f"shape {tuple(y.shape)} != {tuple(y_ref.shape)}")
            if all(
                torch.allclose(y_ref, y, atol=ALLCLOSE_TOLERANCE, rtol=ALLCLOSE_TOLERANCE)
                for y, y_ref in ((output, reference), (output_fp32, reference_fp32))
            ):
                passed += 1
            errors = rel_l2_vs_float64(
                [output, output_fp32, reference, reference_fp32], inputs[0], conv
            )
            for key, value in zip(keys, errors):
                worst[key] = value if worst[key] is None else max(worst[key], value)
            del inputs, reference, reference_fp32, output, output_fp32
    except Exception as error:  # report and go on with the other problems
        traceback.print_exc()
        row["error"] = f"{type(error).__name__}: {error}".splitlines()[0]
    row["allclose"] = f"{passed}/{args.correct_trials}"
    for key in keys:
        row["rel_l2_" + key] = worst[key]
    correct = (
        "error" not in row
        and passed == args.correct_trials
        and worst["new"] is not None
        and worst["new"] <= REL_L2_TOLERANCE["default"]
        and worst["new_fp32"] <= REL_L2_TOLERANCE["fp32"]
    )
    row["correct"] = correct

    # Timing, on one fresh set of inputs.
    set_seed(args.seed)
    inputs = to_cuda(problem.get_inputs())
    mean = lambda times: sum(times) / len(times)  # noqa: E731
    row["ref_ms"] = mean(time_cuda_events(model, inputs, args.warmup, args.trials))
    with cudnn_tf32(False):
        row["ref_fp32_ms"] = mean(time_cuda_events(model, inputs, args.warmup, args.trials))
    if correct:
        row["new_ms"] = mean(time_cuda_events(model_new, inputs, args.warmup, args.trials))
        with cudnn_tf32(False):
            row["new_fp32_ms"] = mean(time_cuda_events(model_new, inputs, args.warmup, args.trials))
    del inputs, model, model_new
    torch.cuda.empty_cache()
    return row


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[dict]) -> list[str]:
    header = [
        "problem",
        "correct",
        "allclose",
        "rel-L2 convt1d TF32 / exact",
        "rel-L2 PyTorch TF32 / exact",
        "PyTorch ms (TF32 default)",
        "convt1d ms (TF32)",
        "speedup (TF32)",
        "PyTorch ms (TF32 off)",
        "convt1d ms (exact)",
        "speedup (exact)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        new_ms, new_fp32_ms = r.get("new_ms"), r.get("new_fp32_ms")
        cells = [
            r["problem"],
            "yes" if r["correct"] else ("ERROR: " + r["error"] if "error" in r else "no"),
            r["allclose"],
            fmt(r["rel_l2_new"], ".2e") + " / " + fmt(r["rel_l2_new_fp32"], ".2e"),
            fmt(r["rel_l2_tf32"], ".2e") + " / " + fmt(r["rel_l2_fp32"], ".2e"),
            fmt(r["ref_ms"], ".3f"),
            fmt(new_ms, ".3f"),
            fmt(r["ref_ms"] / new_ms if new_ms else None, ".2f"),
            fmt(r["ref_fp32_ms"], ".3f"),
            fmt(new_fp32_ms, ".3f"),
            fmt(r["ref_fp32_ms"] / new_fp32_ms if new_fp32_ms else None, ".2f"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the table as markdown to this file")
    parser.add_argument("--problems", nargs="*", help="problem numbers to run (default: 64 74 79)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--correct-trials", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--trials", type=int, default=100)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("eval_kernelbench.py needs a CUDA GPU", file=sys.stderr)
        return 2
    names = [p for p in PROBLEMS if not args.problems or p.split("_")[0] in args.problems]

    device = torch.cuda.get_device_name()
    context = (
        f"{device}, torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"cuDNN {torch.backends.cudnn.version()}; seed {args.seed}, {args.correct_trials} "
        f"correctness trials, {args.warmup} warm-up + {args.trials} timed calls (mean, L2 flushed)"
    )
    print(context, flush=True)
    rows = []
    with torch.no_grad():
        for name in names:
            print(f"evaluating {name} ...", flush=True)
            rows.append(evaluate(name, args))
    lines = table(rows)
    print("\n".join(lines))
    if args.out:
        args.out.write_text(
            "# convt1d vs PyTorch on KernelBench level 1 (conv_transpose1d)\n\n"
            + context
            + "\n\n"
            + "\n".join(lines)
            + "\n"
        )
        print(f"wrote {args.out}")
    return 0 if all(r["correct"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
