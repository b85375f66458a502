"""Figures from embeddings and class vectors: t-SNE map, class-vector similarity matrix."""

from __future__ import annotations

import numpy as np

from bench.errors import BenchError
from bench.report import relations as rel
from bench.report.figures import WIDE, loss_colors, main_cells, plt, save
from bench.report.inputs import Missing
from bench.report.plots import Skip

PAIR = ("softmax", "proxy_anchor")
GROUP_ORDER = ("positive", "negative", "ambiguous", "neutral")


def _test_labels(run, data_dir) -> tuple[np.ndarray, bool, tuple[str, ...]]:
    from bench.report.relations import load_run_dataset

    ds = load_run_dataset(run, data_dir)
    return ds.test.labels, ds.multi_label, ds.label_names


def _pairs(cells, dataset: str):
    """(softmax run, proxy_anchor run) with saved test embeddings, same setting and seed."""
    for key in sorted(cells):
        if key.dataset != dataset or key.loss != PAIR[0] or key.settings.legacy:
            continue  # same settings on both sides, never legacy records: a fair pair
        other = {r.seed: r for r in cells.get(key._replace(loss=PAIR[1]), [])
                 if (r.path / "test_embeddings.npz").exists()}
        for r in cells[key]:
            if (r.path / "test_embeddings.npz").exists() and r.seed in other:
                yield r, other[r.seed]


def tsne(cells, out, *, dataset: str = "goemotions", data_dir=None) -> list:
    from sklearn.manifold import TSNE

    pair = next(_pairs(cells, dataset), None)
    if pair is None:
        raise Skip(f"t-SNE map: no {dataset} softmax/proxy_anchor runs of one seed with "
                   "test_embeddings.npz (use --save-test-embeddings)")
    try:
        labels, multi, names = _test_labels(pair[0], data_dir)
    except (BenchError, OSError) as exc:
        raise Skip(f"t-SNE map: test labels of {dataset} unavailable ({exc})") from None
    fig, axes = plt.subplots(1, 2, figsize=(WIDE, 3.6))
    cmap = plt.get_cmap("tab20")
    for ax, run in zip(axes, pair, strict=True):
        with np.load(run.path / "test_embeddings.npz") as z:
            rows, emb = z["rows"], z["embeddings"].astype(np.float32)
        y = labels[rows]
        keep = y.sum(axis=1) == 1 if multi else np.ones(len(rows), bool)  # single-label rows
        cls = y[keep].argmax(axis=1) if multi else y[keep]
        xy = TSNE(n_components=2, init="pca", random_state=0,
                  perplexity=float(min(30, max(2, (keep.sum() - 1) // 3)))).fit_transform(emb[keep])
        for c in np.unique(cls):
            m = cls == c
            ax.scatter(xy[m, 0], xy[m, 1], s=2, color=cmap(c % 20),
                       marker="o" if c < 20 else "^", label=names[c])
        ax.set_title(f"{run.loss} ({dataset}, {run.config['mode']}, seed {run.seed})")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].legend(fontsize=5, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5),
                   ncols=1 if len(names) <= 14 else 2)
    fig.tight_layout()
    return save(fig, out, f"tsne_{dataset}")


def group_order(names: tuple[str, ...]) -> list[int]:
    """Class indices ordered by GoEmotions sentiment group; unknown names go last."""
    from bench.data.hub import GROUP_MAPPING

    order = [names.index(e) for g in GROUP_ORDER for e in GROUP_MAPPING[g] if e in names]
    return order + [i for i in range(len(names)) if i not in order]


def similarity_key(cells, dataset: str, *, with_state: bool = True):
    """The proxy_anchor cell the similarity figure draws: the setting where the most
    objectives have records, then where its objective with the fewest seeds has the most
    (3 are enough), then fine-tuned over frozen (the paper's method). Never the sort order: a
    first fine-tuned seed must not replace a complete frozen comparison."""
    keys = [k for k in main_cells(cells) if k.dataset == dataset and k.loss == "proxy_anchor"
            and (not with_state or any((r.path / rel.STATE_FILE).exists() for r in cells[k]))]

    def rank(k):
        setting = _same_setting(cells, k)
        return (len(setting), min(min(len(r), 3) for r in setting.values()),
                k.mode == "finetune", k)
    return max(keys, default=None, key=rank)


def similarity(cells, out, *, dataset: str = "goemotions", data_dir=None, note=print) -> list:
    key = similarity_key(cells, dataset)
    if key is None:
        raise Skip(f"similarity: no {dataset} proxy_anchor run with {rel.STATE_FILE}")
    run = next(r for r in cells[key] if (r.path / rel.STATE_FILE).exists())
    names = tuple(run.metrics["dataset"]["label_names"])
    vec = rel.class_vectors(rel.load_state(run)).get("proxies")
    if vec is None:
        raise Skip(f"similarity: {run.path}/{rel.STATE_FILE} has no 'proxies'")
    order = group_order(names)
    sim = rel.cosine_matrix(vec)[np.ix_(order, order)]
    rows = rel.relations(_same_setting(cells, key), rel.cooccurrence_for(cells, data_dir, note))
    fig, axes = plt.subplots(1, 2, figsize=(WIDE, 3.6), width_ratios=(1.15, 1))
    im = axes[0].imshow(sim, cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0].set_xticks(range(len(order)), [names[i] for i in order], rotation=90, fontsize=4.5)
    axes[0].set_yticks(range(len(order)), [names[i] for i in order], fontsize=4.5)
    axes[0].set_title(f"proxy cosine similarity (proxy_anchor, {key.mode}, seed {run.seed})")
    fig.colorbar(im, ax=axes[0], fraction=0.046, pad=0.02)
    if rows:
        colors = loss_colors({r.loss for r in rows})
        y = np.arange(len(rows))
        axes[1].barh(y, [r.rho.mean for r in rows], xerr=[np.nan_to_num(r.rho.ci95) for r in rows],
                     color=[colors[r.loss] for r in rows], capsize=1.5)
        axes[1].set_yticks(y, [f"{r.loss}: {r.kind} (n={r.rho.n})" for r in rows], fontsize=6)
        axes[1].axvline(0, color="black", linewidth=0.6)
        axes[1].set_xlabel("Spearman ρ: cosine vs label co-occurrence (Jaccard)")
        axes[1].set_title(f"every objective, {key.mode}, {key.budget} training set", fontsize=7)
    else:
        axes[1].axis("off")
        axes[1].text(0, 0.5, "co-occurrence unavailable\n(no training labels)", fontsize=7)
    fig.tight_layout()
    return save(fig, out, f"similarity_{dataset}")


def _same_setting(cells, key):
    """Every objective's cell with the setting and settings of `key`."""
    return {k: cells[k] for k in sorted(cells)
            if k.setting == key.setting and k.settings == key.settings}


def needs(cells, *, dataset: str, data_dir=None) -> list[Missing]:
    """What the t-SNE map and the similarity figure of `dataset` lack: test embeddings of runs
    made with --save-test-embeddings, test labels, objective states, training labels."""
    out: list[Missing] = []
    tsne_name = f"tsne_{dataset}"
    for key in sorted(k for k in cells if k.dataset == dataset and k.loss in PAIR
                      and not k.settings.legacy):
        out += [Missing(tsne_name, str(r.path), "test_embeddings.npz") for r in cells[key]
                if r.config.get("save_test_embeddings")
                and not (r.path / "test_embeddings.npz").exists()]
    pair = next(_pairs(cells, dataset), None)
    if pair is not None:
        try:
            _test_labels(pair[0], data_dir)
        except (BenchError, OSError) as exc:
            out.append(Missing(tsne_name, dataset, f"test labels unavailable ({exc})"))
    key = similarity_key(cells, dataset, with_state=False)
    if key is not None:
        setting = _same_setting(cells, key)
        _, failed = rel.cooccurrence_with_failures(setting, data_dir)
        out += rel.needs(setting, failed, output=f"similarity_{dataset}")
    return out
