#!/usr/bin/env bash
# The README's main job, measured on this machine: full GoEmotions, fine-tune mode, defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
for loss in proxy_anchor softmax; do
  if ! ls results/runs/goemotions-$loss-finetune-s0-*/status.json 2>/dev/null | xargs -r grep -l '"complete"' | grep -q .; then
    /usr/bin/time -v python -m bench run --loss $loss --dataset goemotions --quiet
  fi
done
