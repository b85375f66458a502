#!/usr/bin/env bash
# The performance section of the README: run on an otherwise idle machine, one after another.
set -euo pipefail
cd "$(dirname "$0")/../.."
python -m bench perf --levers foreach --skip quality --json results/perf/cpu-fp32.json
python -m bench perf --cpu-bf16 --skip encode,levers,quality --json results/perf/cpu-bf16.json
q=(--dataset dair_emotion --texts 4096 --skip train,trainer,encode,frozen,flops,levers)
python -m bench perf "${q[@]}" --json results/perf/quality-dair-fp32.json
python -m bench perf "${q[@]}" --cpu-bf16 --json results/perf/quality-dair-bf16.json
# thread settings on the idle machine: the step with one thread, and frozen trials with one
python -m bench perf --levers threads=1 --skip trainer,encode,frozen,flops,quality \
  --json results/perf/lever-threads1.json
python -m bench perf --threads 1 --skip train,trainer,encode,flops,levers,quality \
  --json results/perf/frozen-threads1.json
