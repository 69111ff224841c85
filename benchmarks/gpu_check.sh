#!/usr/bin/env bash
# ConvLens on one GPU, in under 5 minutes: the tests marked `cuda`, then benchmarks/gpu_bench.py
# (the fast recipe, the GPU recipe eager and compiled with its time to 99%, inference with all
# maps), which prints a README-ready table.
#
#   benchmarks/gpu_check.sh [MNIST_FOLDER]      (default: ../shared/data/mnist, else
#                                                $CONVLENS_DATA, else main.py's cache folder)
#   GPU_CHECK_DEVICE=cuda:1 benchmarks/gpu_check.sh     another GPU
#   GPU_CHECK_CPU=1 benchmarks/gpu_check.sh             no GPU: a quick run on the CPU, to
#                                                       check the script itself
# Needs the repository's .venv with a CUDA build of PyTorch (pip install torch from the
# CUDA index) and the test extras: `python3 -m venv .venv && .venv/bin/pip install -e '.[test]'`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
if [[ ! -x $PYTHON ]]; then
    echo "error: no $PYTHON here: python3 -m venv .venv && .venv/bin/pip install -e '.[test]'" >&2
    exit 1
fi
DEVICE=${GPU_CHECK_DEVICE:-cuda}
BENCH_ARGS=(--device "$DEVICE")
if [[ -n ${GPU_CHECK_CPU:-} ]]; then
    DEVICE=cpu
    BENCH_ARGS=(--device cpu --quick)
elif ! "$PYTHON" -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
    "$PYTHON" -c "import torch; print('error: PyTorch', torch.__version__, 'finds no CUDA GPU'\
' (built for CUDA', torch.version.cuda, ')')" >&2
    exit 1
fi
if [[ $# -gt 0 ]]; then
    BENCH_ARGS+=(--data "$1")
fi
start=$SECONDS
echo "== $("$PYTHON" -c "import torch; print('torch', torch.__version__)"), device $DEVICE"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version \
    --format=csv,noheader || true
echo "== the tests marked cuda"
"$PYTHON" -m pytest -q -m cuda -p no:cacheprovider tests
echo "== the benchmark ($((SECONDS - start)) s so far)"
"$PYTHON" benchmarks/gpu_bench.py "${BENCH_ARGS[@]}"
echo "== done in $((SECONDS - start)) s"
