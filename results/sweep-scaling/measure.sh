#!/usr/bin/env bash
# Sweep scaling on one machine: completed trials per minute with 1, 2 and 4 `bench sweep`
# workers sharing one loopback PostgreSQL server (a new empty database per run).
#   bash results/sweep-scaling/measure.sh          # writes results/sweep-scaling/scaling.md
# Frozen mode, tweeteval_emotion (3,257 train texts), the default encoder (minilm), one
# objective (softmax), TRIALS completed trials, no final seeds. The embeddings are computed
# once before the timed runs (every worker then reads them from the cache), so the numbers
# are about trials, not encoding. Wall time counts from starting the workers to the last exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
. .venv/bin/activate
TRIALS="${TRIALS:-8}"
WORKERS="${WORKERS:-1 2 4}"
OUT=results/sweep-scaling/scaling.md
export BENCH_DATA_DIR="${BENCH_DATA_DIR:-/work/shared/data}"
eval "$(bash .ci/postgres.sh)"
SERVER="${BENCH_TEST_POSTGRES_URL%/*}"
WORK="$(mktemp -d)"
export BENCH_CACHE_DIR="$WORK/cache"
COMMON=(--dataset tweeteval_emotion --mode frozen --losses softmax --final-seeds 0 --quiet
        --sweep-dir "$WORK/sweeps" --output-dir "$WORK/runs")

pg() {  # pg "SQL" [database]: one statement on the server, autocommit
  python - "$1" "$SERVER/${2:-postgres}" <<'PY'
import sys, psycopg2
c = psycopg2.connect(sys.argv[2]); c.autocommit = True; c.cursor().execute(sys.argv[1])
PY
}

count() {  # count URL: "complete first_start last_complete" of the one study
  python - "$1" <<'PY'
import sys, optuna
from bench.sweep.study import driver_url
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.storages.RDBStorage(driver_url(sys.argv[1]))
(name,) = optuna.study.get_all_study_names(s)
t = [x for x in optuna.load_study(study_name=name, storage=s).trials if x.state.name == "COMPLETE"]
span = (max(x.datetime_complete for x in t) - min(x.datetime_start for x in t)).total_seconds()
other = {}
for x in optuna.load_study(study_name=name, storage=s).trials:
    other[x.state.name] = other.get(x.state.name, 0) + 1
print(len(t), f"{span:.1f}", " ".join(f"{k}={v}" for k, v in sorted(other.items())))
s.engine.dispose()
PY
}

{
echo "# Sweep scaling: workers on one loopback PostgreSQL server"
echo
echo "Produced by \`bash results/sweep-scaling/measure.sh\` (TRIALS=$TRIALS) on $(date -u +%Y-%m-%d)."
echo "Machine: $(nproc) CPU cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), no GPU used;"
echo "other jobs (a training run and other sessions' tests) were using the same cores during the"
echo "measurement, so the numbers are low and noisy. Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "Warm-up (not timed): one frozen run computes the minilm embeddings of tweeteval_emotion:"
echo
echo '```'
echo "python -m bench run --dataset tweeteval_emotion --mode frozen --loss softmax --epochs 1 --no-save-model --quiet --output-dir \$WORK/warm"
echo '```'
} > "$OUT"
python -m bench run --dataset tweeteval_emotion --mode frozen --loss softmax --epochs 1 \
  --no-save-model --quiet --output-dir "$WORK/warm" > /dev/null

{
echo
echo "Each row: a new empty database, then W copies of this command started at once:"
echo
echo '```'
echo "python -m bench sweep --dataset tweeteval_emotion --mode frozen --losses softmax --trials $TRIALS --final-seeds 0 --quiet --storage \$SERVER/<new db> --sweep-dir \$WORK/sweeps --output-dir \$WORK/runs"
echo '```'
echo
echo "- wall: from starting the workers to the last one's exit (includes ~10 s of start-up: Python and torch imports, reading the cached embeddings, joining the study, and up to 5 s of polling at the end)"
echo "- trial span: first trial's start to last completed trial's end, from Optuna's records"
echo
echo "| workers | completed trials | other trial states | wall (s) | trials/min (wall) | trial span (s) | trials/min (span) | load avg after |"
echo "|---|---|---|---|---|---|---|---|"
} >> "$OUT"
for W in $WORKERS; do
  DB="scaling_$(date +%s)_$W"
  pg "CREATE DATABASE $DB"
  start=$(date +%s.%N)
  pids=()
  for i in $(seq "$W"); do
    python -m bench sweep "${COMMON[@]}" --trials "$TRIALS" --storage "$SERVER/$DB" \
      > "$WORK/w$W-$i.log" 2>&1 &
    pids+=($!)
  done
  rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  end=$(date +%s.%N)
  read -r done span states < <(count "$SERVER/$DB")
  wall=$(python -c "print(f'{$end - $start:.1f}')")
  echo "| $W | $done | $states | $wall | $(python -c "print(f'{$done * 60 / ($end - $start):.1f}')") | $span | $(python -c "print(f'{$done * 60 / $span:.1f}')") | $(cut -d' ' -f1 /proc/loadavg) |" >> "$OUT"
  if [ "$rc" != 0 ]; then echo "worker failure with $W workers:" >> "$OUT"; cat "$WORK"/w"$W"-*.log >> "$OUT"; fi
  pg "DROP DATABASE $DB WITH (FORCE)"
done
echo >> "$OUT"
echo "Worker logs (--quiet) of the 4-worker run:" >> "$OUT"
echo '```' >> "$OUT"
cat "$WORK"/w4-*.log >> "$OUT" 2>/dev/null || true
echo '```' >> "$OUT"
rm -rf "$WORK"
cat "$OUT"
