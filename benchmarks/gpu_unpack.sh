# Sourced by gpu_campaign.sh and gpu_sweep.sh on the device machine: unpack what
# benchmarks/gpu_carry.sh packed (.devdata/data.tgz, .devmodel/model.tgz; a carry made before
# the packing holds the plain folders, used in place) and point bench at them, offline.
data=$PWD/.devdata
if [[ -f .devdata/data.tgz ]]; then data=/tmp/benchdata; mkdir -p $data; tar xzf .devdata/data.tgz -C $data; fi
model=$PWD/.devmodel
if [[ -f .devmodel/model.tgz ]]; then model=/tmp/devmodel; mkdir -p $model; tar xzf .devmodel/model.tgz -C $model; fi
export PYTHONPATH=$model${PYTHONPATH:+:$PYTHONPATH} BENCH_DATA_DIR=$data
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
