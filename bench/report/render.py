"""Render tables as Markdown, LaTeX (booktabs, `\\input`-ready) and long-format CSV."""

from __future__ import annotations

import csv
import io
import math

from bench.report.stats import Summary, fmt, verdict
from bench.report.tables import LABELS, TEST_NAME, Table, Verdict, caption, provenance

CSV_FIELDS = ("dataset", "mode", "encoder", "budget", "loss", "metric", "mean", "ci95", "n",
              "seeds", "p_vs_softmax", "n_paired", "significant", "best", "search_budget",
              "git_commits")


def cell_text(s: Summary) -> str:
    if math.isnan(s.ci95):
        return f"{100 * s.mean:.1f}"
    return f"{100 * s.mean:.1f} ± {100 * s.ci95:.1f}"


def _cells(table: Table, bold, dagger) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells = [row.loss]
        for key in table.metrics:
            text = cell_text(row.scores[key])
            if row.scores[key].mean == table.best(key):
                text = bold(text)
            test = row.vs_baseline[key]
            cells.append(text + (dagger if test is not None and test.significant else ""))
        rows.append([*cells, str(len(row.seeds))])
    return rows


def markdown(table: Table, command: str, *, incomplete: str = "") -> str:
    header = ["Objective", *(LABELS[k] for k in table.metrics), "n"]
    lines = [f"### {' · '.join(table.setting)}", "", caption(table, incomplete), "",
             "| " + " | ".join(header) + " |", "|" + "---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(r) + " |" for r in _cells(table, lambda t: f"**{t}**", "†")]
    lines += ["", *(f"- {k}: `{v}`" if k == "regenerate" else f"- {k}: {v}"
                    for k, v in provenance(table, command))]
    return "\n".join(lines) + "\n"


def tex_escape(text: str) -> str:
    text = text.replace("\\", "\0")  # placeholder, so its braces are not escaped below
    for ch in "_%&#${}":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("<", "$<$").replace(">", "$>$")  # OT1 fonts print < as an inverted !
    return text.replace("\0", r"\textbackslash{}").replace("†", r"$^\dagger$")


def latex(table: Table, command: str, *, incomplete: str = "") -> str:
    header = ["Objective", *(LABELS[k] for k in table.metrics), "$n$"]
    cap = tex_escape(caption(table, incomplete)).replace("±", r"$\pm$")
    lines = [f"% {k}: {v}" for k, v in provenance(table, command)]
    lines += [r"\begin{table}[t]", r"\centering", rf"\caption{{{cap}}}",
              rf"\label{{tab:{table.name}}}", r"\begin{tabular}{l" + "r" * (len(header) - 1) + "}",
              r"\toprule", " & ".join(tex_escape(h) if h != "$n$" else h for h in header) + r" \\",
              r"\midrule"]
    for cells in _cells(table, lambda t: f"\\textbf{{{t}}}", r"$^\dagger$"):
        cells = [tex_escape(cells[0])] + [c.replace("±", r"$\pm$") for c in cells[1:]]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else CSV_FIELDS,
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def table_csv(table: Table) -> str:
    rows = []
    for row in table.rows:
        for key in table.metrics:
            s, test = row.scores[key], row.vs_baseline[key]
            rows.append(dict(zip(CSV_FIELDS, (
                *table.setting, row.loss, key, fmt(s.mean), fmt(s.ci95), s.n,
                " ".join(map(str, row.seeds)), fmt(test.p if test else None),
                test.n if test else "", int(test.significant) if test else "",
                int(s.mean == table.best(key)), table.search, " ".join(table.commits)),
                strict=True)))
    return _csv_text(rows)


def p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def summary_markdown(verdicts: list[Verdict], command: str, *, incomplete: str = "") -> str:
    lines = ["# Where proxy_anchor beats softmax, and where not", "",
             "Δ = mean over common seeds of (proxy_anchor − softmax), in points; p from a "
             f"{TEST_NAME}. Verdict per metric: wins / loses only when p < 0.05."
             + (f" {incomplete}" if incomplete else ""), "",
             "| Setting | Δ macro-F1 | p | verdict | Δ MAP@R | p | verdict |",
             "|---|---:|---:|---|---:|---:|---|"]
    for v in verdicts:
        cells = [" · ".join(v.setting)]
        for key in ("macro_f1", "map_at_r"):
            t = v.tests[key]
            cells += [f"{100 * t.delta:+.1f}", p_text(t.p), verdict(t)]
        lines.append("| " + " | ".join(cells) + " |")
    if not verdicts:
        lines.append("| (no setting has both proxy_anchor and softmax runs) |  |  |  |  |  |  |")
    return "\n".join(lines + ["", f"Regenerate: `{command}`"]) + "\n"


def summary_csv(verdicts: list[Verdict]) -> str:
    rows = [{"dataset": v.setting[0], "mode": v.setting[1], "encoder": v.setting[2],
             "budget": v.setting[3], "metric": key, "delta": fmt(t.delta), "p": fmt(t.p),
             "n_paired": t.n, "verdict": verdict(t)}
            for v in verdicts for key, t in v.tests.items()]
    return _csv_text(rows) if rows else "dataset,mode,encoder,budget,metric,delta,p,n_paired,verdict\n"
