#!/usr/bin/env python3
"""Writes docs/performance.md (and its plot) from one convt1d_bench run and, optionally, one
torch_baseline.py run on the same card.

    python3 bench/report.py --bench out/convt1d_bench.json [--torch out/torch_baseline.json] \\
        --out-md docs/performance.md [--out-png docs/performance.png]

--bench and --torch take several files where a run was split (e.g. one file per dtype).

Per shape and dtype: convt1d, cuDNN-Find and PyTorch eager times, the best baseline (the faster of
the two in the same precision), the speedup over it, the roofline floor and convt1d's % of it,
GB/s, TFLOP/s and the correctness check. One table per precision mode (MODES): float exact, TF32
and 3xTF32, half, bfloat16, each against the baselines of the matching precision (3xTF32, which
claims float accuracy, against the exact ones). A geometric-mean speedup closes each table; rows
whose check failed are flagged and left out of it. Standard library only; the plot needs
matplotlib and is skipped (with a note) without it.
"""

import argparse
import json
import math
import os
import sys
from pathlib import Path

TIME_UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
STANDARD_KEYS = {
    "name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
    "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index", "label",
    "error_occurred", "error_message", "aggregate_name", "aggregate_unit",
}
# (key, dtype, convt1d case, matching cuDNN case, matching PyTorch math, title)
MODES = (
    ("float", "float", "convt1d", "cudnn_exact", "exact", "float, exact FP32"),
    ("tf32", "float", "convt1d_tf32", "cudnn_tf32", "tf32",
     "float, TF32 (convt1d MathMode::kTF32 against the TF32-allowed baselines)"),
    ("3xtf32", "float", "convt1d_3xtf32", "cudnn_exact", "exact",
     "float, 3xTF32 (convt1d MathMode::k3xTF32, float accuracy, against the exact FP32 "
     "baselines)"),
    ("half", "half", "convt1d", "cudnn", "default", "half (tensor cores, FP32 accumulation)"),
    ("bfloat16", "bfloat16", "convt1d", "cudnn", "default",
     "bfloat16 (tensor cores, FP32 accumulation)"),
)


class Case:
    """One benchmark of the bench JSON: shape/dtype/impl, time in ms (None on error), counters."""

    def __init__(self, entry):
        # Names are shape/dtype/impl; Google Benchmark appends options such as "/manual_time".
        parts = (entry.get("run_name") or entry["name"]).split("/")
        self.shape, self.dtype, self.impl = parts[0], parts[1], parts[2]
        self.error = entry.get("error_message") if entry.get("error_occurred") else None
        self.label = entry.get("label", "")
        self.counters = {key: value for key, value in entry.items()
                         if key not in STANDARD_KEYS and isinstance(value, (int, float))}
        # The median launch time (counter median_us); Google Benchmark's own time is the mean.
        unit = TIME_UNIT_MS[entry.get("time_unit", "ns")]
        if self.error:
            self.ms = None
        elif "median_us" in self.counters:
            self.ms = self.counters["median_us"] * 1e-3
        else:
            self.ms = entry["real_time"] * unit

    @property
    def mismatch(self):
        return bool(self.counters.get("mismatch", 0))

    def counter(self, key, scale=1.0):
        value = self.counters.get(key)
        return None if value is None else value * scale


def load_bench(paths):
    """(context, {(shape, dtype, impl): Case}, [shape names in run order]) from one or more bench
    JSON files (e.g. one per dtype, when a run is split); the first file's context is kept and a
    later file's case replaces an earlier one. With repetitions the median aggregate stands for
    the case."""
    context, cases, medians, shapes = None, {}, {}, []
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        data = json.loads(Path(path).read_text())
        if context is None:
            context = data.get("context", {})
        for entry in data.get("benchmarks", []):
            if entry.get("run_type") == "aggregate":
                if entry.get("aggregate_name") == "median":
                    case = Case(entry)
                    medians[(case.shape, case.dtype, case.impl)] = case
                continue
            case = Case(entry)
            cases[(case.shape, case.dtype, case.impl)] = case
            if case.shape not in shapes:
                shapes.append(case.shape)
    cases.update(medians)
    return context or {}, cases, shapes


def load_torch(paths):
    """(header of the first file, {(shape, dtype, math): fastest ms over the cudnn.benchmark
    settings and files})."""
    header, best = None, {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        data = json.loads(Path(path).read_text())
        if header is None:
            header = data
        for row in data.get("rows", []):
            if "ms" not in row:
                continue
            key = (row["shape"], row["dtype"], row["math"])
            best[key] = min(row["ms"], best.get(key, math.inf))
    return header, best


def fastest(*times):
    present = [t for t in times if t is not None]
    return min(present) if present else None


def ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def build_sections(cases, shapes, torch_ms):
    """Per mode, one row dict per shape with every number the table and the plot show."""
    sections = []
    for key, dtype, impl, cudnn_impl, torch_math, title in MODES:
        if not any(case_key[1:] == (dtype, impl) for case_key in cases):
            continue  # a mode this run did not time (an older bench, or --dtypes)
        rows = []
        for shape in shapes:
            conv = cases.get((shape, dtype, impl))
            cudnn = cases.get((shape, dtype, cudnn_impl))
            if conv is None and cudnn is None:
                continue
            row = {"shape": shape, "dtype": dtype}
            row["convt1d"] = conv.ms if conv else None
            row["cudnn"] = cudnn.ms if cudnn else None
            row["torch"] = torch_ms.get((shape, dtype, torch_math))
            row["best"] = fastest(row["cudnn"], row["torch"])
            row["speedup"] = ratio(row["best"], row["convt1d"])
            row["speedup_cudnn"] = ratio(row["cudnn"], row["convt1d"])
            row["speedup_torch"] = ratio(row["torch"], row["convt1d"])
            floor_source = conv if conv and conv.ms is not None else cudnn
            row["floor"] = floor_source.counter("floor_us", 1e-3) if floor_source else None
            row["pct_floor"] = conv.counter("pct_floor") if conv else None
            row["gbps"] = conv.counter("GB/s") if conv else None
            row["tflops"] = conv.counter("TFLOP/s") if conv else None
            row["cudnn_choice"] = cudnn.label if cudnn and not cudnn.error else ""
            row["valid"] = bool(conv and conv.ms is not None and not conv.mismatch)
            if conv is None:
                row["check"] = "not run"
            elif conv.error:
                row["check"] = "error: " + conv.error
            else:
                row["check"] = conv.label or ("MISMATCH" if conv.mismatch else "ok")
            if cudnn is not None and cudnn.mismatch:
                row["check"] += "; cuDNN MISMATCH vs reference"
            rows.append(row)
        if rows:
            sections.append({"key": key, "dtype": dtype, "title": title, "rows": rows})
    return sections


def fmt_ms(value):
    """Three significant digits, never in exponent form."""
    if value is None:
        return "—"
    if value <= 0:
        return "0"
    decimals = max(0, 2 - int(math.floor(math.log10(value))))
    return f"{value:.{decimals}f}"


def fmt(value, pattern):
    return "—" if value is None else format(value, pattern)


def fmt_speedup(value, valid=True):
    if value is None:
        return "—"
    text = f"{value:.2f}x"
    return f"**{text}**" if valid and value >= 1.0 else text


def context_float(context, key):
    try:
        return float(context[key])
    except (KeyError, ValueError):
        return None


def header_lines(context, torch_header, bench_path):
    card = context.get("card", "unknown card")
    date = context.get("run_date_utc") or context.get("date", "unknown date")
    commit = context.get("git_commit", "unknown")
    lines = [
        "# convt1d performance",
        "",
        f"Generated by `bench/report.py` from `{Path(bench_path).name}`: **{card}**, {date}, "
        f"convt1d commit `{commit}`.",
        "",
    ]
    cudnn = context.get("cudnn_version", "?")
    workspace = context.get("cudnn_workspace_MiB")
    lines.append(
        "- convt1d: `conv_transpose1d` with the workspace `workspace_size()` asks for; on the "
        "layers that use it, every call first rearranges its operands there (strided layers: "
        "weights packed per phase; tensor-core layers with 1024 or more multiply-adds per input "
        "element, or 384 or more outside 3xTF32 on inputs of 2^24 elements and more or with 128 "
        "input channels a group and more: x and w with the input channels contiguous), and that "
        "time is included.")
    lines.append(
        f"- cuDNN-Find: cuDNN {cudnn} through its C API, `cudnnConvolutionBackwardData` with the "
        f"algorithm `cudnnFindConvolutionBackwardDataAlgorithmEx` measured fastest"
        + (f" ({workspace} MiB workspace)" if workspace else "") + ".")
    if torch_header:
        lines.append(
            f"- PyTorch eager: `torch.nn.functional.conv_transpose1d`, PyTorch "
            f"{torch_header.get('torch', '?')} with its cuDNN {torch_header.get('cudnn', '?')}, "
            f"fastest of `torch.backends.cudnn.benchmark` off and on "
            f"({torch_header.get('card', '?')}, {torch_header.get('date', '?')}).")
    else:
        lines.append("- PyTorch eager: not measured in this run (no `--torch` JSON).")
    copy = context_float(context, "copy_GBps")
    fma = context_float(context, "fma_peak_TFLOPs")
    sgemm = context_float(context, "sgemm_TFLOPs")
    tf32 = context_float(context, "tf32_gemm_TFLOPs")
    bf16 = context_float(context, "bf16_gemm_TFLOPs")
    sgemm_share = f" ({100 * sgemm / fma:.0f}% of the FMA peak)" if sgemm and fma else ""
    lines += [
        f"- Ceilings measured in the same run: device copy {fmt(copy, '.0f')} GB/s (bytes read + "
        f"written); FP32 FMA peak {fmt(fma, '.1f')} TFLOP/s (theoretical: SMs x 128 lanes x 2 x "
        f"clock); cuBLAS 8192^3 SGEMM {fmt(sgemm, '.1f')} TFLOP/s{sgemm_share}, TF32 GEMM "
        f"{fmt(tf32, '.0f')} TFLOP/s, BF16 GEMM {fmt(bf16, '.0f')} TFLOP/s.",
        "- floor = max(FLOPs / compute ceiling, minimum bytes / copy ceiling), with FLOPs = "
        "2·N·C_in·(C_out/groups)·K·L_in and minimum bytes = x + w + y once. The compute "
        "ceiling is the FP32 FMA peak for exact float, the TF32 GEMM for TF32, a third of it "
        "for 3xTF32 (three products per multiply-add), the BF16 GEMM for half and bfloat16.",
        "- Times in ms, CUDA events around single calls on random data, rotating over buffer "
        "sets so nothing is left in L2 from the previous call; the median over at least 0.2 s "
        "of calls (bench) or 10 calls and 0.2 s (PyTorch). best = the faster baseline in the same precision; speedup = best / "
        "convt1d (above 1: convt1d is faster). Compare only numbers from one run: they move by "
        "several percent between runs.",
        "- check: convt1d's output against a double-precision host reference at sampled points "
        "(rel_ref) and against cuDNN in the matching precision over the whole output "
        "(rel_cudnn); tolerance 1e-4 for exact float and 3xTF32, 1e-2 for TF32, 2e-2 for half "
        "and bfloat16. MISMATCH rows are left out of the geomeans.",
        "",
    ]
    return lines


def geomean_line(rows, key, against):
    valid = [row[key] for row in rows if row["valid"] and row.get(key) is not None]
    value = geomean(valid)
    if value is None:
        return f"Geomean speedup vs {against}: — (no valid rows)."
    wins = sum(1 for v in valid if v >= 1.0)
    return (f"Geomean speedup vs {against}: **{value:.2f}x** over {len(valid)} shapes "
            f"(convt1d faster on {wins}).")


def section_lines(section, have_torch):
    rows = section["rows"]
    lines = [f"## {section['title']}", "",
             "| shape | convt1d | cuDNN-Find | PyTorch | best | speedup | floor | % of floor "
             "| GB/s | TFLOP/s | check |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        lines.append(
            f"| {row['shape']} | {fmt_ms(row['convt1d'])} | {fmt_ms(row['cudnn'])} "
            f"| {fmt_ms(row['torch'])} | {fmt_ms(row['best'])} "
            f"| {fmt_speedup(row['speedup'], row['valid'])} | {fmt_ms(row['floor'])} "
            f"| {fmt(row['pct_floor'], '.0f')} | {fmt(row['gbps'], '.0f')} "
            f"| {fmt(row['tflops'], '.2f')} | {row['check'].replace('|', '/')} |")
    lines += ["", geomean_line(rows, "speedup", "the best baseline"),
              geomean_line(rows, "speedup_cudnn", "cuDNN-Find")]
    if have_torch:
        lines.append(geomean_line(rows, "speedup_torch", "PyTorch eager"))
    lines.append("")
    return lines


def cudnn_choice_lines(sections):
    lines = ["## cuDNN-Find's choices", "",
             "| shape | dtype | algorithm |", "|---|---|---|"]
    for section in sections:
        for row in section["rows"]:
            if row["cudnn_choice"]:
                if section["key"] in ("float", "half", "bfloat16"):
                    lines.append(f"| {row['shape']} | {section['dtype']} "
                                 f"| {row['cudnn_choice']} |")
    return lines + [""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", required=True, nargs="+",
                        help="convt1d_bench --benchmark_out JSON file(s) of one run")
    parser.add_argument("--torch", nargs="+", help="torch_baseline.py JSON file(s) (optional)")
    parser.add_argument("--out-md", required=True, help="markdown file to write")
    parser.add_argument("--out-png", help="plot to write (default: next to --out-md)")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()

    context, cases, shapes = load_bench(args.bench)
    torch_header, torch_ms = load_torch(args.torch) if args.torch else (None, {})
    sections = build_sections(cases, shapes, torch_ms)

    out_md = Path(args.out_md)
    out_png = Path(args.out_png) if args.out_png else out_md.with_suffix(".png")
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    lines = header_lines(context, torch_header, args.bench[0])
    plotted = False
    if not args.no_plot:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        try:
            import plot  # matplotlib is imported there, only when a plot is asked for
            plot.write_plot(sections, context, out_png)
            plotted = True
        except ImportError as error:
            print(f"report.py: no plot ({error}); the table is written without it",
                  file=sys.stderr)
    if plotted:
        relative = os.path.relpath(out_png, out_md.parent)
        lines += [f"![convt1d, cuDNN and PyTorch times per shape]({relative})", ""]
    for section in sections:
        lines += section_lines(section, bool(torch_ms))
    lines += cudnn_choice_lines(sections)
    out_md.write_text("\n".join(lines))
    print(f"wrote {out_md}" + (f" and {out_png}" if plotted else ""))


if __name__ == "__main__":
    main()
