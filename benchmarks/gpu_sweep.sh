#!/usr/bin/env bash
# Advance the tweeteval_emotion fine-tune sweep (every objective, 8 completed trials each, then
# 5-seed retrains of each best configuration) on a lent GPU in one chunk of at most CHUNK
# seconds (default 480), WORKERS sweep workers sharing the GPU and one sqlite study file
# (default 6). The study lives in results/sweeps (committed, carried in the tree), so a CPU
# session or the next lease continues it; a trial cut off by the deadline is retried there
# (heartbeat). Carry .devmodel, .devdata and .whl built by `SWEEP=1 benchmarks/gpu_carry.sh`.
# Everything comes back as $OUT/sweep.tgz; here:
#   tar xzf sweep.tgz   (results/sweeps: the study and its trials; results/runs: the retrains)
set -euo pipefail
out=${OUT:-/tmp/gpu-sweep}
mkdir -p "$out" /tmp/site
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site OMP_NUM_THREADS=2 PYTHONUNBUFFERED=1
source benchmarks/gpu_unpack.sh
python3 -c "import optuna, pytorch_metric_learning" || { echo "carried wheels missing" >&2; exit 1; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
before=$(mktemp); touch "$before"
for i in $(seq "${WORKERS:-6}"); do
  # the same command as on the CPU (results/campaign.sh sweep), so both continue one study
  timeout -s INT "${CHUNK:-480}" python3 -m bench sweep --mode finetune \
    --dataset tweeteval_emotion --trials 8 --final-seeds 5 --no-amp --quiet \
    --sweep-dir results/sweeps --output-dir results/runs > "$out/worker-$i.log" 2>&1 &
  sleep 5  # workers that open a fresh study one after another, not all at once
done
wait || true
python3 -m bench sweep --mode finetune --dataset tweeteval_emotion --trials 8 --final-seeds 5 \
  --no-amp --sweep-dir results/sweeps --output-dir results/runs --show || true
# unfinished run folders cannot continue elsewhere: drop them; bring back the rest
for d in results/runs/*/ results/sweeps/*/trials/*/; do
  [[ -f $d/status.json ]] && grep -q '"complete"' "$d/status.json" && continue
  [[ $d -nt $before ]] && rm -rf "$d"
done
find results/runs -newer "$before" -maxdepth 1 -mindepth 1 -type d > "$out/new-runs.txt"
tar czf "$out/sweep.tgz" results/sweeps $(cat "$out/new-runs.txt")
