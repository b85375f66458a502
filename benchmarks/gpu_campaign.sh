#!/usr/bin/env bash
# Advance campaign v2 (benchmarks/campaign_v2.py) on a lent GPU in one resumable chunk of at
# most CHUNK seconds (default 480), WORKERS runs sharing the GPU (default 6). Records land in
# $OUT/runs; copy the complete ones into results/runs. Runs that finished before (results/runs)
# are skipped. The records come back as $OUT/runs.tgz. The device machine has no internet:
# carry .devmodel, .devdata and .whl, built here by benchmarks/gpu_carry.sh (MiniLM in float16,
# the datasets gzipped, the pytorch-metric-learning wheel the device image lacks; with DATASETS=...,
# some datasets' folders and a packed model.tgz, unpacked here). CAMPAIGN_ARGS passes more options
# to the driver, e.g. "--datasets goemotions_ekman --losses softmax,proxy_anchor --seeds 3"
# (its datasets must be among those carried). Measured on one H200, GoEmotions' label sets:
# WORKERS=6, about 1,020 training examples/s per run, 4-7 epochs in 2.5-4 minutes.
set -euo pipefail
out=${OUT:-/tmp/gpu-campaign}
python -m pip install -q --no-deps --no-index .whl/*.whl 2>&1 | grep -v "root" || true
python -c "import pytorch_metric_learning" || { echo "pytorch-metric-learning missing" >&2; exit 1; }
source benchmarks/gpu_unpack.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
# KEEP=1: the runs live in .gpuruns/runs, an ignored folder that a warm device machine keeps
# between calls, and start with --fill: a run that the chunk cuts off keeps its checkpoint and
# the next call (within the machine's idle release) resumes it. Runs longer than one call's
# limit (GoEmotions' triplet and SupCon) can only finish that way.
if [[ -n "${KEEP:-}" ]]; then runs=$PWD/.gpuruns/runs; fill=--fill; else runs=$out/runs; fill=; fi
mkdir -p "$runs" "$out"
python benchmarks/campaign_v2.py --workers "${WORKERS:-6}" --threads 2 $fill \
  --deadline "${CHUNK:-480}" --out "$runs" --also results/runs ${CAMPAIGN_ARGS:-} || true
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader || true
# unfinished runs cannot come back with their checkpoints (size limit): only complete records
# travel, as one archive (the device returns only a few files per call)
complete=()
for d in "$runs"/*/; do
  grep -q '"complete"' "$d/status.json" 2>/dev/null && complete+=("runs/$(basename "$d")")
done
echo "${#complete[@]} complete runs in $runs"
if (( ${#complete[@]} )); then tar czf "$out/runs.tgz" -C "$(dirname "$runs")" "${complete[@]}"; fi
[[ -n "${KEEP:-}" ]] || rm -rf "$runs"
# here: tar xzf runs.tgz --exclude='runs/.log-*' --strip-components=1 -C results/runs
