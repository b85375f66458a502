"""The two-sentence answer under the verdict map on the README's first screen.

Written from `verdict_map.csv` (the table `bench report` has just written), between two
markers of the README, so the answer changes with the records and is never typed in.
Only default-settings rows count (hyperparameter variants are ablations, not the answer).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from bench.errors import BenchError
from bench.io import atomic_write_text

BEGIN = "<!-- verdict answer, written by `bench report --answer`: begin -->"
END = "<!-- verdict answer, written by `bench report --answer`: end -->"
DECIDED = ("win", "loss", "tie")


def _rows(tables_dir: Path, comparison: str, metric: str) -> list[dict]:
    with open(tables_dir / "verdict_map.csv", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["comparison"] == comparison
                and r["metric"] == metric and not r["settings"]]


def _tally(rows: list[dict]) -> str:
    counts = Counter(r["verdict"] for r in rows)
    return f"wins {counts['win']}, loses {counts['loss']} and ties {counts['tie']}"


def _where(rows: list[dict], verdict: str) -> str:
    names = [f"{r['dataset']} {r['mode']} ({r['budget']}, {float(r['delta_points']):+.1f})"
             for r in rows if r["verdict"] == verdict]
    return f"in {', '.join(names)}" if names else "nowhere"


def _tie_widths(rows: list[dict]) -> str:
    """A tie is not shown equivalence: how far the ties' 95% intervals reach, and the
    narrowest one (the setting where the seeds rule out the most)."""
    spans = []
    for r in rows:
        if r["verdict"] == "tie" and r.get("ci95_points"):
            d, h = float(r["delta_points"]), float(r["ci95_points"])
            spans.append((2 * h, d - h, d + h, f"{r['dataset']} {r['mode']} ({r['budget']})"))
    if not spans:
        return ""
    lo, hi = min(s[1] for s in spans), max(s[2] for s in spans)
    narrow = min(spans)
    return (f" A tie is no proof of equality: the 95% intervals of the tied differences "
            f"(uncorrected) reach from {lo:+.1f} to {hi:+.1f} points; the narrowest, "
            f"{narrow[3]}, is [{narrow[1]:+.1f}, {narrow[2]:+.1f}].")


def answer_text(tables_dir: str | Path) -> str:
    tables_dir = Path(tables_dir)
    f1 = _rows(tables_dir, "softmax", "macro_f1")
    mapr = _rows(tables_dir, "softmax", "map_at_r")
    decided = [r for r in f1 if r["verdict"] in DECIDED]
    pending = len(f1) - len(decided)
    return (f"Against softmax with the same head learning rate, proxy-anchor {_tally(decided)} "
            f"of the {len(decided)} settings that have a verdict in test macro-F1 (paired "
            f"t-test over seeds, Holm–Bonferroni over the whole map); it wins "
            f"{_where(decided, 'win')} and loses {_where(decided, 'loss')} (points), and "
            f"{pending} more {'setting has' if pending == 1 else 'settings have'} no verdict "
            f"yet (fewer than two common seeds, not converged, or no softmax run to compare "
            f"with).{_tie_widths(decided)} In embedding quality (MAP@R) it "
            f"{_tally([r for r in mapr if r['verdict'] in DECIDED])}.")


def update_answer(readme: str | Path, tables_dir: str | Path) -> None:
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if BEGIN not in text or END not in text:
        raise BenchError(f"--answer {readme}: the file needs the two lines\n{BEGIN}\n{END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    atomic_write_text(readme, f"{head}{BEGIN}\n{answer_text(tables_dir)}\n{END}{tail}")
