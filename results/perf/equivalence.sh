#!/usr/bin/env bash
# Do the speed levers change results? Re-run campaign fine-tune cells (dair_emotion, 2,000
# stratified training examples, 1 epoch, seeds 0-2) with today's loop: fused AdamW in float32,
# and fused AdamW with --cpu-bf16. Compare with the campaign's records (foreach AdamW, float32)
# in results/runs: `python -m bench report --runs results/perf/equivalence/<variant> ...`.
# Each grid skips the runs it already has, so the script resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
common=(--mode finetune --seeds 0-2 --max-train 2000 --no-save-model --quiet
        --datasets dair_emotion --losses softmax,proxy_anchor,supcon)
python -m bench grid "${common[@]}" --output-dir results/perf/equivalence/fp32
python -m bench grid "${common[@]}" --cpu-bf16 --output-dir results/perf/equivalence/bf16
