#!/usr/bin/env bash
# The performance report in one command: convt1d_bench (convt1d vs cuDNN-Find, ceilings measured
# in the same run), PyTorch eager when torch is importable, then docs/performance.md and .png.
#
#   bench/run.sh BUILD_DIR OUT_DIR [DOCS_DIR] [-- extra convt1d_bench flags]
#
# BUILD_DIR holds bench/convt1d_bench (build it with --target convt1d_bench). OUT_DIR receives the
# raw results: convt1d_bench.json/.txt and torch_baseline.json/.txt. DOCS_DIR (default: the
# repository's docs/) receives performance.md and performance.png.
# Environment: SHAPES (default bench/shapes/public.txt), DTYPES (default float,half,bfloat16),
# CONVT1D_GIT_COMMIT (default: git rev-parse --short HEAD where the tree has .git).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
usage="usage: bench/run.sh BUILD_DIR OUT_DIR [DOCS_DIR] [-- convt1d_bench flags]"
build="${1:?$usage}"
out="${2:?$usage}"
shift 2
docs="$repo/docs"
if [[ $# -gt 0 && "$1" != "--" ]]; then
  docs="$1"
  shift
fi
if [[ $# -gt 0 && "$1" == "--" ]]; then
  shift
fi
shapes="${SHAPES:-$here/shapes/public.txt}"
dtypes="${DTYPES:-float,half,bfloat16}"

bench="$build/bench/convt1d_bench"
if [[ ! -x "$bench" ]]; then
  echo "run.sh: $bench not found; build it first:" >&2
  echo "  cmake -S $repo -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $build --target convt1d_bench" >&2
  exit 1
fi
if [[ -z "${CONVT1D_GIT_COMMIT:-}" ]]; then
  CONVT1D_GIT_COMMIT="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || true)"
fi
export CONVT1D_GIT_COMMIT
mkdir -p "$out" "$docs"

"$bench" --shapes "$shapes" --dtypes "$dtypes" \
  --benchmark_out="$out/convt1d_bench.json" --benchmark_out_format=json "$@" \
  | tee "$out/convt1d_bench.txt"

torch_args=()
if python3 -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  python3 "$here/torch_baseline.py" --shapes "$shapes" --dtypes "$dtypes" \
    --out "$out/torch_baseline.json" | tee "$out/torch_baseline.txt"
  torch_args=(--torch "$out/torch_baseline.json")
else
  echo "run.sh: PyTorch with CUDA is not importable: the report has no PyTorch column" >&2
fi

python3 "$here/report.py" --bench "$out/convt1d_bench.json" ${torch_args[@]+"${torch_args[@]}"} \
  --out-md "$docs/performance.md" --out-png "$docs/performance.png"
