#!/usr/bin/env python3
"""Times PyTorch eager torch.nn.functional.conv_transpose1d on a convt1d shape file.

The second baseline of the performance report (next to cuDNN's legacy Find, which does not see
every engine PyTorch's cuDNN path uses). Same rules as convt1d_bench: random data in [-1, 1),
CUDA-event time of single calls after a warm-up, median over at least --min-time seconds, and
rotation over enough input sets that x + w + y of consecutive calls exceed three L2 caches.

Modes: float "exact" (TF32 off), float "tf32" (TF32 allowed, PyTorch's default for convolutions),
half and bfloat16 ("default"). Each mode runs with torch.backends.cudnn.benchmark off (PyTorch's
default: heuristics) and on (cuDNN timing its engines); the report takes the faster.

    python3 bench/torch_baseline.py --shapes bench/shapes/public.txt --out out/torch_baseline.json

Writes {"card", "torch", "cudnn", "cuda", "date", "shapes_file",
        "rows": [{"shape", "dtype", "math", "cudnn_benchmark", "ms", "iterations", "buffer_sets"}]}
(a row that failed has "error" instead of "ms"). Needs only python3 and torch.
"""

import argparse
import datetime
import json
import math
import statistics
import sys
import time
from pathlib import Path

FIELDS = ("N", "C_in", "C_out", "K", "L_in", "stride", "padding", "output_padding", "dilation",
          "groups")
MODES = (("float", "exact"), ("float", "tf32"), ("half", "default"), ("bfloat16", "default"))
MAX_BUFFER_SETS = 512


def read_shapes(path):
    """The shape file: name N C_in C_out K L_in stride padding output_padding dilation groups."""
    shapes = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 1 + len(FIELDS):
            sys.exit(f"{path}:{number}: expected name and {len(FIELDS)} integers")
        shape = {"name": fields[0]}
        shape.update(zip(FIELDS, (int(value) for value in fields[1:])))
        shapes.append(shape)
    return shapes


def output_length(shape):
    return ((shape["L_in"] - 1) * shape["stride"] - 2 * shape["padding"]
            + shape["dilation"] * (shape["K"] - 1) + shape["output_padding"] + 1)


def set_tf32(torch, allowed):
    """TF32 for cuDNN convolutions, through the API this PyTorch version has."""
    conv = getattr(torch.backends.cudnn, "conv", None)
    if conv is not None and hasattr(conv, "fp32_precision"):
        conv.fp32_precision = "tf32" if allowed else "ieee"
    else:
        torch.backends.cudnn.allow_tf32 = allowed


def time_case(torch, shape, dtype, l2_bytes, args):
    """Median milliseconds of one F.conv_transpose1d call, and how it was measured."""
    functional = torch.nn.functional
    device = torch.device("cuda")
    x_shape = (shape["N"], shape["C_in"], shape["L_in"])
    w_shape = (shape["C_in"], shape["C_out"] // shape["groups"], shape["K"])
    element_bytes = torch.empty((), dtype=dtype).element_size()
    working_set = element_bytes * (math.prod(x_shape) + math.prod(w_shape)
                                   + shape["N"] * shape["C_out"] * output_length(shape))
    sets = int(min(max(math.ceil(3 * l2_bytes / working_set), 1), MAX_BUFFER_SETS))

    generator = torch.Generator(device=device)
    generator.manual_seed(1234)
    xs = [torch.empty(x_shape, device=device, dtype=dtype).uniform_(-1, 1, generator=generator)
          for _ in range(sets)]
    ws = [torch.empty(w_shape, device=device, dtype=dtype).uniform_(-1, 1, generator=generator)
          for _ in range(sets)]

    def call(index):
        return functional.conv_transpose1d(
            xs[index], ws[index], None, stride=shape["stride"], padding=shape["padding"],
            output_padding=shape["output_padding"], groups=shape["groups"],
            dilation=shape["dilation"])

    for index in range(max(args.warmup, sets)):
        call(index % sets)
    torch.cuda.synchronize()

    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    times = []
    while len(times) < args.min_iterations or (
            sum(times) < args.min_time * 1e3 and len(times) < args.max_iterations):
        start.record()
        call(len(times) % sets)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times), len(times), sets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent
    parser.add_argument("--shapes", default=str(here / "shapes" / "public.txt"))
    parser.add_argument("--dtypes", default="float,half,bfloat16")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--cudnn-benchmark", choices=("off", "on", "both"), default="both",
                        help="torch.backends.cudnn.benchmark setting(s) to time (default both)")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="seconds per case (default 0.2)")
    parser.add_argument("--min-iterations", type=int, default=10)
    parser.add_argument("--max-iterations", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--filter", default="", help="only shapes whose name contains this")
    args = parser.parse_args()

    import torch  # late, so --help works without it

    if not torch.cuda.is_available():
        sys.exit("torch_baseline.py: no CUDA device visible to PyTorch")
    dtypes = {"float": torch.float32, "half": torch.float16, "bfloat16": torch.bfloat16}
    wanted = [name.strip() for name in args.dtypes.split(",") if name.strip()]
    for name in wanted:
        if name not in dtypes:
            sys.exit(f"torch_baseline.py: unknown dtype {name!r} (float, half, bfloat16)")
    benchmark_modes = {"off": [False], "on": [True], "both": [False, True]}[args.cudnn_benchmark]

    properties = torch.cuda.get_device_properties(0)
    l2_bytes = getattr(properties, "L2_cache_size", 50 * 2**20)
    shapes = [shape for shape in read_shapes(args.shapes) if args.filter in shape["name"]]
    result = {
        "card": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "cudnn": str(torch.backends.cudnn.version()),
        "cuda": torch.version.cuda,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "shapes_file": args.shapes,
        "rows": [],
    }
    print(f"PyTorch {result['torch']} cuDNN {result['cudnn']} on {result['card']}", flush=True)
    began = time.perf_counter()
    for shape in shapes:
        for dtype_name, math_mode in MODES:
            if dtype_name not in wanted:
                continue
            for benchmark_mode in benchmark_modes:
                torch.backends.cudnn.benchmark = benchmark_mode
                set_tf32(torch, math_mode == "tf32")
                row = {"shape": shape["name"], "dtype": dtype_name, "math": math_mode,
                       "cudnn_benchmark": benchmark_mode}
                try:
                    ms, iterations, sets = time_case(torch, shape, dtypes[dtype_name], l2_bytes,
                                                     args)
                    row.update(ms=ms, iterations=iterations, buffer_sets=sets)
                    shown = f"{ms:10.4f} ms"
                except RuntimeError as error:  # includes CUDA out-of-memory
                    row["error"] = str(error).splitlines()[0]
                    shown = f"error: {row['error']}"
                result["rows"].append(row)
                print(f"{shape['name']:>18} {dtype_name:>9} {math_mode:>7} "
                      f"benchmark={'on ' if benchmark_mode else 'off'} {shown}", flush=True)
                torch.cuda.empty_cache()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out} ({len(result['rows'])} rows, {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
