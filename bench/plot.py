#!/usr/bin/env python3
"""The performance plot: one panel per precision mode (report.MODES); per shape, grouped bars of convt1d, cuDNN-Find and
PyTorch eager times (log axis), the roofline floor as a black tick over each group.

Called by report.py; on its own:
    python3 bench/plot.py --bench out/convt1d_bench.json [--torch out/torch_baseline.json] \\
        --out docs/performance.png
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)

SERIES = (  # row key, legend, colour, hatch
    ("convt1d", "convt1d", "#1b6ca8", None),
    ("cudnn", "cuDNN-Find", "#9e9e9e", None),
    ("torch", "PyTorch eager", "#e07b39", None),
)


def write_plot(sections, context, path):
    """sections: report.build_sections() output. Writes a PNG to path."""
    if not sections:
        return
    width = max(12.0, 0.75 * max(len(section["rows"]) for section in sections))
    figure, axes = plt.subplots(len(sections), 1, figsize=(width, 4.2 * len(sections)),
                                squeeze=False)
    for axis, section in zip(axes[:, 0], sections):
        rows = section["rows"]
        series = SERIES
        bar_width = 0.8 / len(series)
        for index, (key, legend, colour, hatch) in enumerate(series):
            offsets = [i - 0.4 + bar_width * (index + 0.5) for i in range(len(rows))]
            heights = [row.get(key) or 0.0 for row in rows]
            bars = axis.bar(offsets, heights, bar_width, label=legend, color=colour, hatch=hatch,
                            edgecolor="white" if hatch is None else "#7a5c00", linewidth=0.5)
            if key == "convt1d":
                for bar, row in zip(bars, rows):
                    if row.get("convt1d") is None:  # failed or not run: mark the empty slot
                        axis.annotate("x", (bar.get_x() + bar.get_width() / 2, 0), ha="center",
                                      va="bottom", xycoords=("data", "axes fraction"),
                                      color="red", weight="bold")
                    elif not row["valid"]:
                        bar.set_edgecolor("red")
                        bar.set_linewidth(2.0)
                        axis.annotate("!", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                      ha="center", va="bottom", color="red", weight="bold")
        floors = [(i, row["floor"]) for i, row in enumerate(rows) if row.get("floor")]
        if floors:
            axis.hlines([f for _, f in floors], [i - 0.45 for i, _ in floors],
                        [i + 0.45 for i, _ in floors], colors="black", linewidth=1.5,
                        label="floor", zorder=3)
        axis.set_yscale("log")
        axis.set_ylabel("ms per call (log)")
        axis.set_xticks(range(len(rows)))
        axis.set_xticklabels([row["shape"] for row in rows], rotation=35, ha="right")
        axis.set_xlim(-0.6, len(rows) - 0.4)
        axis.set_title(section["title"])
        axis.set_axisbelow(True)
        axis.grid(axis="y", which="both", alpha=0.3)
        axis.legend(fontsize="small", ncol=5, loc="upper right")
        present = [row.get(k) for row in rows for k, *_ in series if row.get(k)]
        present += [f for _, f in floors]
        if present:
            axis.set_ylim(min(present) / 1.5, max(present) * 3.0)
    figure.suptitle(f"convt1d vs cuDNN-Find and PyTorch: {context.get('card', '?')}, "
                    f"commit {context.get('git_commit', '?')}, "
                    f"{context.get('run_date_utc') or context.get('date', '')}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main():
    import report  # the loaders live there

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", required=True, nargs="+")
    parser.add_argument("--torch", nargs="+")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    context, cases, shapes = report.load_bench(args.bench)
    _, torch_ms = report.load_torch(args.torch) if args.torch else (None, {})
    write_plot(report.build_sections(cases, shapes, torch_ms), context, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
