#!/usr/bin/env bash
# Campaign v2, the records behind results/README.md (the v1 records, made before every
# objective shared one head learning rate, are in results/legacy/). Resumable: rerun it after
# an interruption and every run whose complete record exists is skipped; an interrupted
# fine-tune run continues from its last epoch. Needs BENCH_DATA_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_DATA_DIR:?set BENCH_DATA_DIR to the folder with the datasets}"
OUT=results/runs
step=${1:-all}

if [[ $step == all || $step == frozen ]]; then
  # 1. Frozen encoder, every objective on every built-in dataset, 5 seeds, defaults (head lr
  #    x1 for every objective, up to 40 epochs with early stopping). The first two runs keep
  #    2,000 test embeddings for the 2-D map figure.
  python -m bench grid --mode frozen --datasets goemotions --losses softmax,proxy_anchor \
    --seeds 0 --save-test-embeddings --no-save-model --quiet --output-dir "$OUT"
  python -m bench grid --mode frozen --seeds 0-4 --no-save-model --quiet --output-dir "$OUT" \
    --datasets tweeteval_emotion,dair_emotion,goemotions_ekman,goemotions_group,goemotions
fi
if [[ $step == all || $step == finetune ]]; then
  # 2. Fine-tuned MiniLM on the full training sets, converged defaults, 5 objectives x 3 seeds
  #    (float32 on every device; on a GPU: benchmarks/gpu_campaign.sh).
  python benchmarks/campaign_v2.py --out "$OUT" \
    --datasets tweeteval_emotion,dair_emotion,goemotions,goemotions_ekman,goemotions_group
fi
if [[ $step == all || $step == sweep ]]; then
  # 3. Fine-tune sweep on tweeteval_emotion: every objective 8 completed trials (encoder lr,
  #    head lr, the objective's own hyperparameters; median pruning per epoch), then each best
  #    configuration re-trained with 5 seeds (on a GPU: benchmarks/gpu_sweep.sh, same study).
  python -m bench sweep --mode finetune --dataset tweeteval_emotion --trials 8 --final-seeds 5 \
    --no-amp --quiet --sweep-dir results/sweeps --output-dir "$OUT"
fi
if [[ $step == all || $step == fewshot ]]; then
  # 4. Few-shot (issue 16): K training examples per class, fine-tuned, every objective, 5 seeds
  #    (at least 480 steps per run, see README "Few-shot"); SetFit beside them on dair_emotion
  #    at 8 and 64 shots, 5 seeds. Every command skips the runs whose complete record exists.
  for ds in dair_emotion tweeteval_emotion; do
    python -m bench lowres --mode finetune --dataset "$ds" --shots 8,16,32,64 --seeds 5 \
      --quiet --output-dir "$OUT"
  done
  for shots in 8 64; do
    for seed in 0 1 2 3 4; do
      python -m bench peer setfit --dataset dair_emotion --shots "$shots" --seed "$seed" \
        --quiet --output-dir "$OUT"
    done
  done
fi
if [[ $step == all || $step == report ]]; then
  python -m bench plot
  python -m bench report --runs results/runs --out results/tables --readme results/README.md \
    --answer README.md
  python -m bench report --runs results/legacy/runs --out results/legacy/tables --allow-missing
fi
