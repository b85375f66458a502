"""The verdicts as files: the summary (Markdown, CSV) and the verdict map table (Markdown,
LaTeX, CSV), both from one `VerdictMap`, so they always agree with each other and the figure."""

from __future__ import annotations

import math

from bench.report.render import csv_text, p_text, tex_escape
from bench.report.stats import fmt
from bench.report.tables import LABELS, TEST_NAME
from bench.report.verdicts import CHALLENGER, COMPARISONS, FEW, METRICS, Cell, VerdictMap

FIELDS = ("dataset", "mode", "encoder", "budget", "settings", "comparison", "other", "metric",
          "n", "delta_points", "ci95_points", "p", "p_holm", "verdict")
COLUMNS = [(c, m) for c in COMPARISONS for m in METRICS]


def family_text(vmap: VerdictMap) -> str:
    return (f"p: {TEST_NAME}, Holm–Bonferroni-corrected over the family of "
            f"the {vmap.family} tests of the verdict map ({vmap.settings} settings × "
            f"{{{CHALLENGER} − softmax, {CHALLENGER} − best other objective}} × {{macro-F1, "
            "MAP@R}, less the cells without a test; a test that is in both comparisons "
            "counts once). Verdict: win / loss when the corrected p < 0.05, else tie. "
            f"{CI_TEXT}")


CI_TEXT = ("[a, b]: the 95% paired t interval of Δ over the common seeds (none below 2 seeds), "
           "per comparison and not corrected: it shows how large a difference the seeds can "
           "rule out, while the verdict uses the corrected p.")


def delta_text(c: Cell) -> str:
    """Δ in points with its 95% interval, e.g. "-0.2 [-3.3, +2.9]"; "–" without a Δ."""
    if math.isnan(c.delta):
        return "–"
    if math.isnan(c.ci95):
        return f"{c.delta:+.1f}"
    return f"{c.delta:+.1f} [{c.delta - c.ci95:+.1f}, {c.delta + c.ci95:+.1f}]"


def fairness_text() -> str:
    return ("Only fair cells: every objective trained its own parameters at the same head "
            "learning rate (legacy records are in the legacy tables only); a cell compares "
            "rows with the same run-level settings (in +sweep settings, the tuned rows); "
            "\"not converged\": a run of either side had its best dev macro-F1 at its "
            f"last epoch without stopping early, 1 point or more above its earlier epochs, so "
            f"no verdict; \"{FEW}\": fewer than 2 "
            "common seeds, shown, not tested. Best other: the other objective with the highest "
            "mean of that metric among the converged rows of the same settings that share at "
            "least 2 seeds with proxy_anchor (among all of them when none does; peers such "
            "as SetFit are not objectives: tables/peers.md compares them with every objective).")


def cell_text(c: Cell, *, with_other: bool = False) -> str:
    if c.other == "":
        return c.verdict
    head = delta_text(c) + (f" vs {c.other}" if with_other else "")
    if not c.decided:
        return f"{head}: {c.verdict} (n={c.n})"
    return f"{head}: {c.verdict} (p={p_text(c.p_holm)}, n={c.n})"


def summary_markdown(vmap: VerdictMap, command: str, *, incomplete: str = "") -> str:
    lines = ["# Where proxy_anchor beats softmax, and where not", "",
             f"Δ = mean over common seeds of ({CHALLENGER} − other), in points; n = common "
             f"seeds. {family_text(vmap)} {fairness_text()}" + (f" {incomplete}" if incomplete
                                                               else ""), "",
             "| Setting | Metric | Δ [95% CI] vs softmax | n | p (Holm) | verdict | Best other "
             "| Δ [95% CI] | n "
             "| p (Holm) | verdict |", "|---|---|---:|---:|---:|---|---|---:|---:|---:|---|"]
    for row in vmap.rows:
        for metric in METRICS:
            cells = [row.name, LABELS[metric]]
            for comparison in COMPARISONS:
                c = row.cells[(comparison, metric)]
                if comparison != COMPARISONS[0]:
                    cells.append(c.other or "–")
                cells += [delta_text(c) if c.other else "–", str(c.n),
                          p_text(c.p_holm) if c.decided else "–", c.verdict]
            lines.append("| " + " | ".join(cells) + " |")
    if not vmap.rows:
        lines.append("| (no fair setting has both proxy_anchor and softmax runs) |" + " |" * 10)
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def verdict_csv(vmap: VerdictMap) -> str:
    rows = []
    for row in vmap.rows:
        for (comparison, metric), c in sorted(row.cells.items(), key=lambda kv: COLUMNS.index(
                kv[0])):
            rows.append(dict(zip(FIELDS, (*row.setting, row.label, comparison, c.other, metric,
                                          c.n, fmt(c.delta), fmt(c.ci95), fmt(c.p),
                                          fmt(c.p_holm), c.verdict),
                                 strict=True)))
    return csv_text(rows, FIELDS)


def _header() -> list[str]:
    return ["Setting", *(f"{LABELS[m]}, {CHALLENGER} − {c}" for c, m in COLUMNS)]


def map_markdown(vmap: VerdictMap, command: str, *, incomplete: str = "") -> str:
    lines = ["# Verdict map: where proxy_anchor wins, loses or ties", "",
             "Each cell: difference in points (mean over common seeds), verdict, corrected p "
             f"and n. {family_text(vmap)} {fairness_text()}"
             + (f" {incomplete}" if incomplete else ""), "",
             "| " + " | ".join(_header()) + " |", "|---|" + "---|" * len(COLUMNS)]
    for row in vmap.rows:
        cells = [cell_text(row.cells[k], with_other=k[0] != COMPARISONS[0]) for k in COLUMNS]
        lines.append("| " + " | ".join([row.name, *cells]) + " |")
    if not vmap.rows:
        lines.append("| (no fair setting has both proxy_anchor and softmax runs) |"
                     + " |" * len(COLUMNS))
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def map_latex(vmap: VerdictMap, command: str, *, incomplete: str = "") -> str:
    cap = tex_escape(f"Verdict map: {CHALLENGER} against softmax and the best other objective."
                     f" {family_text(vmap)} {fairness_text()}"
                     + (f" {incomplete}" if incomplete else ""))
    lines = [f"% regenerate: {command}", r"\begin{table}[t]", r"\centering", r"\small",
             rf"\caption{{{cap}}}", r"\label{tab:verdict_map}",
             r"\begin{tabular}{l" + "l" * len(COLUMNS) + "}", r"\toprule",
             " & ".join(tex_escape(h) for h in _header()) + r" \\", r"\midrule"]
    for row in vmap.rows:
        cells = [cell_text(row.cells[k], with_other=k[0] != COMPARISONS[0]) for k in COLUMNS]
        lines.append(" & ".join(tex_escape(c) for c in [row.name, *cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"
