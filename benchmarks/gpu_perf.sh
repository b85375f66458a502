#!/usr/bin/env bash
# GPU check of `bench perf`: fine-tune step against the Trainer, encoding against the naive
# pass, and the one-epoch quality comparison, with bf16 autocast (default on CUDA) and without.
# Usage: ENCODER=minilm BENCH_DATA_DIR=... bash benchmarks/gpu_perf.sh [OUT_DIR]
set -euo pipefail
out=${1:-${OUT:-/tmp/gpu-perf}}
encoder=${ENCODER:-minilm}
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
common=(--device cuda --encoder "$encoder" --texts 4096 --steps 40 --rounds 2 --skip frozen)
python -m bench perf "${common[@]}" --levers foreach --json "$out/gpu-amp.json" 2>&1 | grep -v "ex/s]"
python -m bench perf "${common[@]}" --no-amp --json "$out/gpu-fp32.json" 2>&1 | grep -v "ex/s]"
