"""The perf record as a plain-text table."""

from __future__ import annotations


def _row(name: str, value: str, note: str = "") -> str:
    return f"{name:<38} {value:>14}  {note}"


def precision(config: dict, device: str) -> str:
    if device.startswith("cuda") and config.get("amp", True):
        return "bf16/fp16 autocast on both training sides"
    if device == "cpu" and config.get("cpu_bf16"):
        return "bf16 autocast on both training sides and frozen trials (--cpu-bf16)"
    return "float32"


def format_table(record: dict) -> str:
    m = record["machine"]
    lines = [f"machine: {m['cpu_model']} ({m['cpus_usable']} usable cores, torch threads "
             f"{m['torch_threads']}, torch {m['torch']}, device {m['device']}); load average "
             f"{m['load_average'][0]:.2f} at start, {m['load_average_end'][0]:.2f} at end",
             f"precision: {precision(record['config'], m['device'])}"]
    tr = record.get("training", {})
    for name, label in (("bench", "fine-tune step, bench"), ("trainer", "fine-tune step, HF Trainer")):
        if name in tr:
            s = tr[name]
            lines.append(_row(label, f"{s['examples_per_second']:.1f} ex/s",
                              f"{s['padded_tokens_per_second']:.0f} tok/s, "
                              f"{100 * s['padding_share']:.0f}% padding"))
    if "ratio" in tr:
        lines.append(_row("  ratio bench / Trainer", f"{tr['ratio']:.2f}x"))
    for name, lv in record.get("levers", {}).items():
        lines.append(_row(f"lever {name}", f"{lv['examples_per_second']:.1f} ex/s",
                          f"x{lv['ratio']:.2f} vs baseline (median of rounds "
                          f"x{lv['median_round_ratio']:.2f}), max loss diff {lv['max_loss_diff']:.2e}"))
    enc = record.get("encoding")
    if enc:
        lines.append(_row("frozen encode, bench", f"{enc['bench']['examples_per_second']:.1f} ex/s"))
        lines.append(_row("frozen encode, naive", f"{enc['naive']['examples_per_second']:.1f} ex/s"))
        lines.append(_row("  ratio bench / naive", f"{enc['ratio']:.2f}x",
                          f"max |diff| {enc['max_abs_diff']:.1e}"))
    fl = record.get("flops")
    if fl:
        lines.append(_row("matmul peak", f"{fl['peak']['gflops']:.1f} GFLOP/s",
                          f"{fl['peak']['size']}^2 {fl['peak']['dtype']}"))
        for name in ("bench", "trainer"):
            if name in fl:
                lines.append(_row(f"  train step, {name}", f"{fl[name]['gflops']:.1f} GFLOP/s",
                                  f"{100 * fl[name]['share_of_peak']:.1f}% of peak"))
    q = record.get("quality")
    if q:
        lines.append(f"one epoch over the {q['train_texts']} texts ({q['steps']} steps), "
                     f"then {q['dev_texts']} dev texts:")
        for name in ("bench", "trainer"):
            lines.append(_row(f"  dev macro-F1, {name}", f"{q[name]['dev_macro_f1']:.4f}",
                              f"{q[name]['examples_per_second']:.1f} ex/s over the epoch"))
        lo, hi = q["difference_ci95"]
        lines.append(_row("  difference bench - Trainer", f"{q['difference']:+.4f}",
                          f"95% paired bootstrap [{lo:+.4f}, {hi:+.4f}]"))
    fr = record.get("frozen")
    if fr:
        lines.append(f"frozen trials ({fr['train_rows']} train rows, {fr['epochs']} epochs max):")
        for name, t in fr["trials"].items():
            lines.append(_row(f"  {name}", f"{t['total_seconds']:.1f} s/trial",
                              f"train {t['train_seconds']:.1f} s over {t['epochs']} epochs"))
    return "\n".join(lines)
