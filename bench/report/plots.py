"""Figures from scores: per objective, per emotion, low-resource curve, cost."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from bench.report.figures import COLUMN, WIDE, ci, loss_colors, main_cells, plt, save
from bench.report.tables import loss_order, metric_value


class Skip(Exception):
    """A figure's inputs are absent; the message says which."""


NO_MAIN = ("no complete runs of current records with the default settings and without "
           "train_fraction (legacy records and variants are not drawn)")


def scores(cells, out) -> list:
    cells = main_cells(cells)
    if not cells:
        raise Skip(f"scores: {NO_MAIN}")
    modes = sorted({k[1] for k in cells})
    names = loss_order({k.loss for k in cells})
    colors, width = loss_colors(names), 0.8 / len(names)
    # each panel shows only the datasets run in its mode; widths follow their number
    per_mode = {m: sorted({k[0] for k in cells if k[1] == m}) for m in modes}
    fig, axes = plt.subplots(2, len(modes), figsize=(WIDE, 5.0), squeeze=False,
                             layout="constrained",
                             gridspec_kw={"width_ratios": [len(per_mode[m]) for m in modes]})
    for row, (metric, label) in enumerate((("macro_f1", "test macro-F1"), ("map_at_r", "MAP@R"))):
        for col, mode in enumerate(modes):
            ax, datasets = axes[row][col], per_mode[mode]
            for i, loss in enumerate(names):
                vals = [_values(cells, d, mode, loss, metric) for d in datasets]
                x = np.arange(len(datasets)) + (i - (len(names) - 1) / 2) * width
                ax.bar(x, [np.mean(v) if v else np.nan for v in vals], width,
                       yerr=[ci(v) for v in vals], capsize=1.5, color=colors[loss], label=loss)
            ax.set_xticks(np.arange(len(datasets)), datasets, rotation=25, ha="right")
            ax.set_ylabel(label if col == 0 else "")
            ax.set_title(f"{mode}" if row == 0 else "")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, ncols=min(len(names), 5), loc="outside upper center")
    return save(fig, out, "scores")


def _values(cells, dataset, mode, loss, metric) -> list[float]:
    return [metric_value(r, metric) for k, runs in cells.items()
            if k.dataset == dataset and k.mode == mode and k.loss == loss for r in runs]


def per_emotion(cells, out, dataset: str = "goemotions") -> list:
    """Test F1 per emotion, proxy_anchor - softmax (its fair baseline: same settings, current
    records), mean over common seeds (one per mode)."""
    paths = []
    for key in sorted(k for k in main_cells(cells) if k.dataset == dataset and k.loss == "softmax"):
        pa = cells.get(key._replace(loss="proxy_anchor"))
        if not pa:
            continue
        base = {r.seed: r.metrics["test"]["per_class"] for r in cells[key]}
        common = [r for r in pa if r.seed in base]
        if not common:
            continue
        names = list(common[0].metrics["dataset"]["label_names"])
        delta = np.mean([[r.metrics["test"]["per_class"][n]["f1"] - base[r.seed][n]["f1"]
                          for n in names] for r in common], axis=0)
        order = np.argsort(delta)
        fig, ax = plt.subplots(figsize=(COLUMN, 0.6 + 0.14 * len(names)))
        ax.barh(np.arange(len(names)), delta[order],
                color=["tab:blue" if d > 0 else "tab:red" for d in delta[order]])
        ax.set_yticks(np.arange(len(names)), [names[i] for i in order], fontsize=6)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel(f"test F1, proxy_anchor − softmax (mean over {len(common)} seeds)")
        rising = any(r.still_rising for r in [*cells[key], *pa])
        ax.set_title(f"{dataset}, {key.mode}" + (" (not converged)" if rising else ""))
        fig.tight_layout()
        paths += save(fig, out, f"per_emotion_delta_{dataset}_{key.mode}")
    if not paths:
        raise Skip(f"per-emotion: no {dataset} cell with both softmax and proxy_anchor runs "
                   "(current records, default settings)")
    return paths


def lowres(cells, out) -> list:
    curves: dict[tuple, dict[str, dict[float, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for key, runs in cells.items():
        if key.settings.legacy or key.settings.pairs:
            continue  # current records with the default settings, as every other figure
        dataset, mode, encoder, loss = key.dataset, key.mode, key.encoder, key.loss
        for r in runs:  # a panel per kind of training set: fractions, or shots per class
            frac, shots = r.config.get("train_fraction"), r.config.get("shots")
            if frac is not None or shots is not None:
                kind, x = ("shots", shots) if shots is not None else ("fraction", frac)
                curves[(dataset, mode, encoder, kind)][loss][float(x)].append(
                    metric_value(r, "macro_f1"))
    if not curves:
        raise Skip("low-resource curve: no runs with train_fraction or shots "
                   "(run `bench lowres`)")
    peers = {r.loss for runs in cells.values() for r in runs if r.config.get("peer")}
    panels = sorted(curves)
    colors = loss_colors({n for c in curves.values() for n in c})
    fig, axes = plt.subplots(1, len(panels), figsize=(COLUMN if len(panels) == 1 else WIDE, 2.6),
                             squeeze=False)
    for ax, panel in zip(axes[0], panels, strict=True):
        names = loss_order(curves[panel])
        for i, loss in enumerate(names):
            pts = sorted(curves[panel][loss].items())
            # side by side around each training size (x1.05 apart on the log axis), so that
            # equal scores do not hide each other's intervals
            dodge = 1.05 ** (i - (len(names) - 1) / 2)
            peer = loss in peers
            ax.errorbar([f * dodge for f, _ in pts], [np.mean(v) for _, v in pts],
                        yerr=[ci(v) for _, v in pts], marker="s" if peer else "o", markersize=3,
                        capsize=2, color=colors[loss], linestyle="--" if peer else "-",
                        label=f"{loss} (peer)" if peer else loss)
        sizes = sorted({x for c in curves[panel].values() for x in c})
        ax.set_xscale("log", base=2 if panel[3] == "shots" else 10)
        ax.set_xticks(sizes, [f"{x:g}" for x in sizes])
        ax.minorticks_off()
        # macro-F1 lives in [0, 1]; an interval from two seeds can reach past it
        ax.set_ylim(0, 1)
        ax.set_xlabel("training examples per class" if panel[3] == "shots" else "train fraction")
        ax.set_ylabel("test macro-F1 (95% CI over seeds)")
        ax.set_title(f"{panel[0]}, {panel[1]}")
    axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    return save(fig, out, "lowres")


def cost(cells, out) -> list:
    cells = main_cells(cells)
    if not cells:
        raise Skip(f"cost: {NO_MAIN}")
    modes = sorted({k.mode for k in cells})
    colors = loss_colors({k.loss for k in cells})
    markers = dict(zip(sorted({k.dataset for k in cells}), "osD^vP*X", strict=False))
    fig, axes = plt.subplots(1, len(modes), figsize=(COLUMN if len(modes) == 1 else WIDE, 2.6),
                             squeeze=False)
    for ax, mode in zip(axes[0], modes, strict=True):
        for key, runs in cells.items():
            if key.mode != mode:
                continue
            dataset, loss = key.dataset, key.loss
            timed = [r for r in runs if _train_time(r) is not None]
            ax.scatter([_train_time(r) for r in timed],
                       [metric_value(r, "macro_f1") for r in timed], s=10,
                       color=colors[loss], marker=markers.get(dataset, "o"),
                       label=f"{loss} / {dataset}")
        ax.set_xscale("log")
        ax.set_xlabel("training wall time (s)")
        ax.set_ylabel("test macro-F1")
        ax.set_title(mode)
    axes[0][0].legend(fontsize=5, ncols=2)
    fig.tight_layout()
    return save(fig, out, "cost")


def _train_time(run) -> float | None:
    t = run.metrics.get("timings") or {}
    value = t.get("train", t.get("total"))
    return None if value is None else float(value)
