#!/usr/bin/env bash
# Softmax head learning-rate ablation in fine-tune mode (resumable: grid skips finished runs).
# The classifier trains at lr x 100 (`--hp lr_multiplier=100`), as proxy-anchor's proxies do.
set -euo pipefail
cd "$(dirname "$0")/../.."
python -m bench grid --mode finetune --seeds 0-2 --max-train 2000 --no-save-model --quiet \
  --datasets dair_emotion,goemotions_ekman --losses softmax --hp lr_multiplier=100 \
  --output-dir results/ablation/runs
# full GoEmotions, 1 epoch: the ablated softmax, and seeds 1-2 of the main job's two runs
python -m bench grid --mode finetune --seeds 0-2 --no-save-model --quiet --datasets goemotions \
  --losses softmax --hp lr_multiplier=100 --output-dir results/ablation/runs
python -m bench grid --mode finetune --seeds 0-2 --no-save-model --quiet --datasets goemotions \
  --losses proxy_anchor,softmax --output-dir results/runs
python results/ablation/summarize.py
