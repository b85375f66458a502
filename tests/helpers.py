"""Small builders shared by tests: tiny labelled CSV files and quick runs."""

from __future__ import annotations

import csv
from pathlib import Path

WORDS = {
    "joy": ["happy", "great", "wonderful", "love it", "delighted"],
    "anger": ["furious", "hate", "annoyed", "angry", "outraged"],
    "fear": ["scared", "afraid", "terrified", "worried", "nervous"],
}


def write_csv(path: Path, n_per_class: int = 30, *, multi_label: bool = False, seed: int = 0) -> Path:
    """A learnable toy dataset: each text carries its class's words."""
    import random

    rng = random.Random(seed)
    rows = []
    for label, words in WORDS.items():
        for i in range(n_per_class):
            text = f"{rng.choice(words)} {rng.choice(words)} today number {i}"
            labels = label
            if multi_label and i % 4 == 0:
                other = rng.choice([k for k in WORDS if k != label])
                text += f" and {rng.choice(WORDS[other])}"
                labels = f"{label},{other}"
            rows.append({"text": text, "label": labels})
    rng.shuffle(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def quick_config(dataset: Path, encoder: str, out: Path, **overrides):
    from bench.config import RunConfig

    kwargs = dict(loss="softmax", dataset=str(dataset), mode="frozen", encoder=encoder,
                  epochs=2, batch_size=8, output_dir=str(out), max_length=32, eval_batch_size=16)
    kwargs.update(overrides)
    return RunConfig(**kwargs)
