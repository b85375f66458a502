"""Softmax head learning-rate ablation in fine-tune mode: results/ablation/summary.md, also
copied between the ablation markers of results/README.md.

Compares every objective of the campaign's fine-tune cells (1 epoch, defaults; results/runs:
2,000 training examples of dair_emotion and goemotions_ekman, and full GoEmotions) with
softmax whose classifier trains at lr x 100 (`--hp lr_multiplier=100`, as proxy-anchor's
proxies; results/ablation/runs, made by results/ablation/run.sh). Test macro-F1, mean and
95% t-interval over seeds, paired t-test by seed against the ablated softmax.

    python results/ablation/summarize.py
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bench.io import atomic_write_text
from bench.report.collect import find_runs
from bench.report.stats import paired, summarize, verdict

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- ablation summary: begin -->", "<!-- ablation summary: end -->"
CELLS = {"dair_emotion": 2000, "goemotions_ekman": 2000, "goemotions": None}  # -> max_train


def scores(runs, *, ablation: bool) -> dict[tuple[str, str], dict[int, float]]:
    out: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for r in runs:
        c = r.config
        if (r.dataset in CELLS and c["mode"] == "finetune" and c.get("max_train") == CELLS[r.dataset]
                and not c.get("tags") and bool(c.get("loss_hparams")) == ablation):
            name = "softmax, head lr x100" if ablation else r.loss
            out[(r.dataset, name)][r.seed] = r.metrics["test"]["macro_f1"]
    return out


def table() -> str:
    base = scores(find_runs(ROOT / "runs"), ablation=False)
    base.update(scores(find_runs(ROOT / "ablation" / "runs"), ablation=True))
    lines = ["| dataset (training examples) | objective | test macro-F1 (95% CI) | n "
             "| vs softmax, head lr x100 |", "|---|---|---:|---:|---|"]
    for ds, limit in CELLS.items():
        ref = base.get((ds, "softmax, head lr x100"), {})
        for (d, name), by_seed in sorted(base.items()):
            if d != ds:
                continue
            s = summarize(by_seed.values())
            test = paired(by_seed, ref)
            note = "" if name.endswith("x100") else (
                f"{verdict(test)} ({100 * test.delta:+.1f} pts, p={test.p:.3f})"
                if test.p is not None else verdict(test))
            ci = "" if s.n < 2 else f" ± {100 * s.ci95:.1f}"
            lines.append(f"| {ds} ({limit or 'all'}) | {name} | {100 * s.mean:.1f}{ci} | {s.n} "
                         f"| {note} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = table()
    atomic_write_text(ROOT / "ablation" / "summary.md", text)
    head, rest = (ROOT / "README.md").read_text(encoding="utf-8").split(BEGIN, 1)
    atomic_write_text(ROOT / "README.md", f"{head}{BEGIN}\n{text}{END}{rest.split(END, 1)[1]}")
    print(text, end="")
