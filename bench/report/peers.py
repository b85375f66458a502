"""Every objective against each peer (SetFit): one Holm-corrected family, `peers.md` / `.csv`.

For every non-legacy table with a peer row (runs whose config.json says `"peer": true`) and
an objective row: each objective row × each peer row × {macro-F1, MAP@R}, with the statistics
of the verdict map (verdicts.py): mean difference over the common seeds (objective − peer, in
points), a paired t-test, Holm–Bonferroni over every test of this table (a family of its
own, apart from the verdict map's), win / loss / tie at corrected p < 0.05. A peer follows
its own published procedure (its lr, batch size, epochs), so it has no run-level settings
to match: every objective row of the same dataset, mode, encoder and training data is
compared with it, variants included, each named with its settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.report.render import csv_text, natural_key, p_text
from bench.report.stats import Paired, fmt, holm_family, paired
from bench.report.tables import LABELS, NOT_CONVERGED, TEST_NAME, Row, Table, is_peer
from bench.report.verdict_render import CI_TEXT, delta_text
from bench.report.verdicts import FEW, METRICS, Cell, judge

PEERS = "peers"
TITLE = "Every objective against each peer (SetFit)"
FIELDS = ("dataset", "mode", "encoder", "budget", "objective", "peer", "metric", "n",
          "delta_points", "ci95_points", "p", "p_holm", "verdict")


@dataclass(frozen=True)
class PeerRow:
    setting: tuple[str, str, str, str]  # dataset, mode, encoder, budget
    objective: str  # the objective row, with the settings that differ from the defaults
    metric: str
    cell: Cell  # cell.other: the peer row; cell.delta: objective − peer, in points


@dataclass(frozen=True)
class PeerTable:
    rows: tuple[PeerRow, ...]
    family: int  # number of tests Holm's correction ran over
    settings: int  # tables with both a peer row and an objective row


def _name(row: Row) -> str:
    # the full settings label, not the table's row name: a peer has no run-level settings, so
    # nothing is common to the two rows and the "(not converged)" mark is the verdict's job
    return row.loss + (f" · {row.settings.label}" if row.settings.label else "")


def peer_table(tables: list[Table]) -> PeerTable:
    planned = []  # (setting, objective row, peer row, metric, reason there is no test or "")
    settings = 0
    for t in sorted(tables, key=lambda t: natural_key(t.setting)):
        if t.legacy:
            continue  # legacy records never feed a verdict
        peers = [r for r in t.rows if is_peer(r)]
        objectives = [r for r in t.rows if not is_peer(r)]
        settings += bool(peers and objectives)
        for row in objectives:
            for peer in peers:
                why = "" if row.converged and peer.converged else NOT_CONVERGED
                planned += [(t.setting, row, peer, m, why) for m in METRICS]
    # one test per planned cell (none for "not converged": the difference only); the family
    # is every test that has a p-value
    tests: dict[int, Paired] = {i: paired(row.by_seed(m), peer.by_seed(m), test=not why)
                                for i, (_, row, peer, m, why) in enumerate(planned)}
    adjusted = holm_family(tests)
    rows = tuple(PeerRow(setting, _name(row), m,
                         judge(_name(peer), tests[i], adjusted.get(i), why))
                 for i, (setting, row, peer, m, why) in enumerate(planned))
    return PeerTable(rows, len(adjusted), settings)


def caption(table: PeerTable) -> str:
    return (f"Δ = mean over common seeds of (objective − peer), in points; n = common seeds. "
            f"p: {TEST_NAME}, Holm–Bonferroni-corrected over the family of "
            f"the {table.family} tests of this table ({_count(table.settings, 'setting')} with a peer; "
            "every objective row × every peer row × {macro-F1, MAP@R}, less the cells without "
            "a test), apart from the verdict map's family. Verdict (of the objective): win / "
            "loss when the corrected p < 0.05, else tie. A peer runs its own published "
            "procedure, so every objective row of the same dataset, mode, encoder and "
            "training data is compared with it, variants included (named with their "
            f"settings); legacy records are not. \"{NOT_CONVERGED}\": a fine-tune run of the "
            "objective still improved by a point or more at its last epoch, so no verdict; "
            f"\"{FEW}\": fewer than 2 common seeds, shown, not tested. {CI_TEXT}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def markdown(table: PeerTable, command: str, *, incomplete: str = "") -> str:
    lines = [f"# {TITLE}", "", caption(table) + (f" {incomplete}" if incomplete else ""), "",
             "| Setting | Objective | Peer | Metric | Δ [95% CI] vs peer | n | p (Holm) | verdict |",
             "|---|---|---|---|---:|---:|---:|---|"]
    for r in table.rows:
        c = r.cell
        lines.append(f"| {' · '.join(r.setting)} | {r.objective} | {c.other} | "
                     f"{LABELS[r.metric]} | {delta_text(c)} | {c.n} | "
                     f"{p_text(c.p_holm) if c.decided else '–'} | {c.verdict} |")
    if not table.rows:  # still written, so the index link and `_remove_stale` stay simple
        lines.append("| (no setting has both a peer run and an objective run) |" + " |" * 7)
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def csv(table: PeerTable) -> str:
    return csv_text([dict(zip(FIELDS, (*r.setting, r.objective, r.cell.other, r.metric,
                                       r.cell.n, fmt(r.cell.delta), fmt(r.cell.ci95),
                                       fmt(r.cell.p), fmt(r.cell.p_holm), r.cell.verdict),
                                  strict=True))
                     for r in table.rows], FIELDS)
