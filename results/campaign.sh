#!/usr/bin/env bash
# The results campaign behind results/README.md. Resumable: rerun it after an interruption
# and every run whose complete record exists is skipped. Needs BENCH_DATA_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_DATA_DIR:?set BENCH_DATA_DIR to the folder with the datasets}"
OUT=results/runs

# 1. Frozen encoder, every objective on every built-in dataset, 5 seeds, paper defaults.
#    The first two runs keep 2,000 test embeddings for the 2-D map figure.
python -m bench grid --mode frozen --datasets goemotions --losses softmax,proxy_anchor \
  --seeds 0 --save-test-embeddings --no-save-model --quiet --output-dir "$OUT"
python -m bench grid --mode frozen --seeds 0-4 --no-save-model --quiet --output-dir "$OUT" \
  --datasets tweeteval_emotion,dair_emotion,goemotions_ekman,goemotions_group,goemotions

# 2. Fine-tuned MiniLM, every objective, 3 seeds, on a 2,000-example stratified train subset
#    (full dev and test sets), 1 epoch: what a 2-core CPU affords.
python -m bench grid --mode finetune --seeds 0-2 --max-train 2000 --no-save-model --quiet \
  --output-dir "$OUT" --datasets dair_emotion,goemotions_ekman

# 3. Low-resource study (frozen): test macro-F1 against the fraction of training data.
python -m bench lowres --mode frozen --dataset goemotions --fractions 0.01,0.05,0.1,0.25,1.0 \
  --seeds 2 --output-dir "$OUT"

# 4. Equal-budget Optuna sweep (the default campaign: all objectives, GoEmotions, frozen,
#    10 completed trials each, then each best configuration retrained with 3 seeds).
python -m bench sweep

# 5. Tables (also into this folder's README) and figures from the records above.
python -m bench report --readme results/README.md
python -m bench plot
