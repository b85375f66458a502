"""Group run records into cells: one objective x setting x settings, many seeds.

Cell key (CellKey): dataset, mode, encoder, budget, settings, loss. The budget is "full",
"max_train=N", "fraction=F" or both, with "+sweep" appended for runs tagged "sweep-final"
(the hyperparameters a sweep chose), so tuned and default runs get separate tables. The
settings (settings.py) are the options that differ from the defaults: every variant is a
cell of its own, never merged with another and never dropped; legacy records (made before
the shared head learning rate) are marked there. Inside a cell only the seed differs, so:
1. runs tagged "sweep*" but not "sweep-final" (search trials, scored on dev only) are dropped;
2. two runs of the same seed: the newest (status.json "time", then folder name) is kept
   and the older one named on stderr (a re-run of the same configuration).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bench.report.collect import CellKey, Run, warn


def _pick(key: CellKey, runs: list[Run]) -> list[Run]:
    kept = [r for r in runs if "sweep-final" in r.tags
            or not any(t.startswith("sweep") for t in r.tags)]
    by_seed: dict[int, list[Run]] = defaultdict(list)
    for r in kept:
        by_seed[r.seed].append(r)
    out = []
    name = "/".join([*key.setting, key.settings.label or "defaults", key.loss])
    for seed in sorted(by_seed):
        dups = sorted(by_seed[seed], key=lambda r: r.order)
        for old in dups[:-1]:
            warn(f"cell {name}: seed {seed} appears twice; kept the newest "
                 f"{dups[-1].path}, ignored {old.path}")
        out.append(dups[-1])
    return out


def group_cells(runs: Iterable[Run]) -> dict[CellKey, list[Run]]:
    """{CellKey: runs sorted by seed}, keys sorted."""
    groups: dict[CellKey, list[Run]] = defaultdict(list)
    for r in runs:
        groups[CellKey(*r.setting, r.settings, r.loss)].append(r)
    cells = {key: _pick(key, groups[key]) for key in sorted(groups)}
    return {k: v for k, v in cells.items() if v}


def search_budget(runs: Iterable[Run]) -> str:
    """From tags: sweep-final runs may state their search as "budget=<text>" (e.g.
    "budget=30 trials") or "trials=<n>"; runs without "sweep-final" used the defaults."""
    runs = list(runs)
    if not any("sweep-final" in r.tags for r in runs):
        return "none (defaults)"
    found = sorted({t.split("=", 1)[1] + (" trials" if t.startswith("trials=") else "")
                    for r in runs for t in r.tags if t.startswith(("budget=", "trials="))})
    return "sweep " + (", ".join(found) if found else "(trial budget not recorded in run tags)")
