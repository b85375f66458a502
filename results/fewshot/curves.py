"""Write results/fewshot/curves.md: the dev macro-F1 curves behind FEW_SHOT_MIN_STEPS.

Reads the few-shot proxy-anchor records of the step measurement (results/fewshot/steps: the
200-step runs) and of results/runs (the 480-step default), so every number in the table
comes from a run record. Run from the repository root: python results/fewshot/curves.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOTS = (Path("results/fewshot/steps"), Path("results/runs"))
OUT = Path("results/fewshot/curves.md")


def records():
    for root in ROOTS:
        for config_path in sorted(root.glob("*/config.json")):
            config = json.loads(config_path.read_text())
            status = json.loads((config_path.parent / "status.json").read_text())
            if (config.get("shots") is None or config.get("loss") != "proxy_anchor"
                    or config.get("dataset") != "dair_emotion" or status["status"] != "complete"):
                continue
            metrics = json.loads((config_path.parent / "metrics.json").read_text())
            yield config_path.parent, config, metrics


def main() -> None:
    lines = ["# Few-shot step minimum: dev macro-F1 per epoch", "",
             "dair_emotion, fine-tune, proxy-anchor, seed 0, all-MiniLM-L6-v2; written by "
             "`python results/fewshot/curves.py` from the run records.", ""]
    for run_dir, config, metrics in sorted(records(), key=lambda r: (r[1]["min_steps"],
                                                                      r[1]["shots"])):
        t = metrics["training"]
        lines += [f"## {config['shots']} shots, min_steps {config['min_steps']} "
                  f"([record]({os.path.relpath(run_dir, OUT.parent)}))", "",
                  f"{t['passes_per_epoch']} passes of the {metrics['dataset']['sizes']['train']} "
                  f"training texts per epoch ({t['steps_per_epoch']} steps); best epoch "
                  f"{t['best_epoch']}, stopped early: {'yes' if t['stopped_early'] else 'no'}; "
                  f"test macro-F1 {metrics['test']['macro_f1']:.4f}; wall time "
                  f"{metrics['timings']['total']:.0f} s (train {metrics['timings']['train']:.0f} s)",
                  "", "| epoch | step | train loss | dev macro-F1 |", "|---:|---:|---:|---:|"]
        lines += [f"| {c['epoch']} | {c['step']} | {c['train_loss']:.4f} | {c['dev_macro_f1']:.4f} |"
                  for c in t["curve"]]
        lines.append("")
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
