"""`bench list`: what can be run."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    del p  # no options


def handle(args: argparse.Namespace) -> int:
    import losses
    from bench.data import dataset_names
    from bench.encoders import encoder_names
    from bench.plugins import loaded

    print("objectives: " + ", ".join(losses.names()))
    for plugin, classes in loaded():  # where each objective outside the five comes from
        if any(losses.get(c.name) is c for c in classes if c.name in losses.names()):
            print(f"  {', '.join(c.name for c in classes)}: plugin {plugin.label()}")
    print("datasets:   " + ", ".join(dataset_names()) + ", or a .csv/.tsv/.jsonl file")
    print("encoders:   " + ", ".join(encoder_names()) + ", or any Hugging Face model id / folder")
    return 0
