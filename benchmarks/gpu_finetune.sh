#!/usr/bin/env bash
# GPU check of fine-tune mode: one GoEmotions epoch of MiniLM with proxy-anchor, with and
# without mixed precision (bf16 autocast), plus the softmax baseline. Prints throughput.
# Usage: ENCODER=minilm BENCH_DATA_DIR=... bash benchmarks/gpu_finetune.sh [OUT_DIR]
set -euo pipefail
out=${1:-${OUT:-/tmp/gpu-check}}
encoder=${ENCODER:-minilm}
export PYTHONUNBUFFERED=1 BENCH_CACHE_DIR=${BENCH_CACHE_DIR:-/tmp/bench-cache}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
common=(--dataset goemotions --encoder "$encoder" --mode finetune --epochs 1 --batch-size 32
        --no-save-model --quiet --output-dir "$out/runs")
python -m bench run --loss proxy_anchor "${common[@]}" --run-id proxy_anchor-amp
python -m bench run --loss proxy_anchor "${common[@]}" --run-id proxy_anchor-fp32 --no-amp
python -m bench run --loss softmax "${common[@]}" --run-id softmax-amp
python - "$out/runs" <<'PY'
import json, pathlib, sys
for d in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    m = json.loads((d / "metrics.json").read_text())
    t = m["timings"]
    print(f"{d.name:<20} train {m['training']['examples_per_second']:8.1f} ex/s  "
          f"train {t['train']:6.1f} s  total {t['total']:6.1f} s  "
          f"test macro-F1 {m['test']['macro_f1']:.4f}  MAP@R {m['test']['embedding']['map_at_r']:.4f}")
PY
