"""Render tables as Markdown, LaTeX (booktabs, `\\input`-ready) and long-format CSV."""

from __future__ import annotations

import csv
import io
import math
import re

from bench.report.settings import label
from bench.report.stats import Summary, fmt
from bench.report.tables import BASELINE, LABELS, LEGACY_NOTE, NOT_CONVERGED, TEST_NAME, Table

CSV_FIELDS = ("dataset", "mode", "encoder", "budget", "loss", "settings", "metric", "mean",
              "ci95", "n", "seeds", "p_vs_softmax", "p_holm", "n_paired", "significant", "best",
              "converged", "legacy", "search_budget", "git_commits")
# LaTeX without extra packages: characters the default fonts lack, as math
TEX_CHARS = {"†": r"$^\dagger$", "±": r"$\pm$", "−": "$-$", "×": r"$\times$", "–": "--",
             "Δ": r"$\Delta$", "ρ": r"$\rho$", "≥": r"$\geq$", "·": r"$\cdot$"}


def caption(table: Table, incomplete: str = "") -> str:
    dataset, mode, encoder, budget = table.setting
    common = label(table.common)
    text = (f"Test scores on {dataset} ({mode}, encoder {encoder}, training data {budget}): "
            "mean ± 95% CI (t-distribution over seeds), in percent; n = number of seeds. "
            "Bold: best mean per column.")
    if table.legacy:
        text += f" {LEGACY_NOTE}"
    elif not table.tests:
        text += (f" No † yet: no row has a fair {BASELINE} baseline with two or more common "
                 "seeds to test against.")
    else:
        text += (f" †: differs from its fair {BASELINE} baseline (the {BASELINE} row with the "
                 f"same run-level settings) by a {TEST_NAME}, p < 0.05 after Holm–Bonferroni "
                 f"over the {table.tests} tests of this table (every score with a baseline); "
                 "the verdicts (summary, verdict map) use their own family.")
    if common:
        text += f" Settings that differ from the defaults, in every row: {common}."
    if any(len(r.settings.pairs) > len(table.common) for r in table.rows):
        text += " Rows naming settings are variants of their objective."
    if not all(r.converged for r in table.rows):
        text += (f" ({NOT_CONVERGED}): a fine-tune run's dev macro-F1 was highest at its last "
                 "epoch, without early stopping; such rows give no verdict.")
    return text + (f" {incomplete}" if incomplete else "")


def provenance(table: Table, command: str) -> list[tuple[str, str]]:
    dataset, mode, encoder, budget = table.setting
    seeds = sorted({s for r in table.rows for s in r.seeds})
    return [("dataset", dataset), ("mode", mode), ("encoder", encoder),
            ("training data", budget), ("settings", label(table.common) or "defaults"),
            ("records", "legacy" if table.legacy else "current"),
            ("search budget", table.search), ("seeds", ", ".join(map(str, seeds))),
            ("git commits", ", ".join(table.commits)), ("regenerate", command)]


def cell_text(s: Summary) -> str:
    if math.isnan(s.ci95):
        return f"{100 * s.mean:.1f}"
    return f"{100 * s.mean:.1f} ± {100 * s.ci95:.1f}"


def _cells(table: Table, bold, dagger) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = [table.row_name(row)]
        for key in table.metrics:
            text = cell_text(row.scores[key])
            if row.scores[key].mean == table.best(key):
                text = bold(text)
            cells.append(text + (dagger if row.significant(key) else ""))
        rows.append([*cells, str(len(row.seeds))])
    return rows


def heading(table: Table) -> str:
    return " · ".join(table.setting) + (" (legacy records)" if table.legacy else "")


def markdown(table: Table, command: str, *, incomplete: str = "") -> str:
    header = ["Objective", *(LABELS[k] for k in table.metrics), "n"]
    lines = [f"### {heading(table)}", "", caption(table, incomplete), "",
             "| " + " | ".join(header) + " |", "|" + "---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(r) + " |" for r in _cells(table, lambda t: f"**{t}**", "†")]
    lines += ["", *(f"- {k}: `{v}`" if k == "regenerate" else f"- {k}: {v}"
                    for k, v in provenance(table, command))]
    return "\n".join(lines) + "\n"


def _tex_chars(text: str) -> str:
    for char, tex in TEX_CHARS.items():
        text = text.replace(char, tex)
    return text


def tex_escape(text: str) -> str:
    text = text.replace("\\", "\0")  # placeholder, so its braces are not escaped below
    for ch in "_%&#${}":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("<", "$<$").replace(">", "$>$")  # OT1 fonts print < as an inverted !
    return _tex_chars(text).replace("\0", r"\textbackslash{}")


def latex(table: Table, command: str, *, incomplete: str = "") -> str:
    header = ["Objective", *(LABELS[k] for k in table.metrics), "$n$"]
    cap = tex_escape(caption(table, incomplete))
    lines = [f"% {k}: {v}" for k, v in provenance(table, command)]
    lines += [r"\begin{table}[t]", r"\centering", rf"\caption{{{cap}}}",
              rf"\label{{tab:{table.name}}}", r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
              r"\toprule", " & ".join(tex_escape(h) if h != "$n$" else h for h in header) + r" \\",
              r"\midrule"]
    for cells in _cells(table, lambda t: f"\\textbf{{{t}}}", "†"):
        # score cells hold only digits, ±, † and \textbf: no escaping beyond those characters
        lines.append(" & ".join([tex_escape(cells[0]), *map(_tex_chars, cells[1:])]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict], fields=CSV_FIELDS) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def table_csv(table: Table) -> str:
    rows = []
    for row in table.rows:
        for key in table.metrics:
            s, test = row.scores[key], row.vs_baseline[key]
            rows.append(dict(zip(CSV_FIELDS, (
                *table.setting, row.loss, row.settings.label, key, fmt(s.mean), fmt(s.ci95), s.n,
                " ".join(map(str, row.seeds)), fmt(test.p if test else None),
                fmt(row.p_holm.get(key)), test.n if test else "",
                int(row.significant(key)) if test else "",
                int(s.mean == table.best(key)), int(row.converged), int(table.legacy),
                table.search, " ".join(table.commits)), strict=True)))
    return csv_text(rows)


def p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def natural_key(setting: tuple[str, ...]) -> tuple[list, ...]:
    """Numbers in a setting compared as numbers, so shot counts read 8, 16, 32, 64 and
    fractions 0.05 before 0.1 (plain text puts 16 before 8). One list per part: text and
    numbers alternate in it, so two keys never compare a number with text."""
    return tuple([float(p) if i % 2 else p for i, p in enumerate(re.split(r"(\d+(?:\.\d+)?)", part))]
                 for part in setting)
