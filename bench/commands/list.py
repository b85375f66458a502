"""`bench list`: what can be run."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    del p  # no options


def handle(args: argparse.Namespace) -> int:
    import losses
    from bench.data import dataset_names
    from bench.encoders import encoder_names

    print("objectives: " + ", ".join(losses.names()))
    print("datasets:   " + ", ".join(dataset_names()) + ", or a .csv/.tsv/.jsonl file")
    print("encoders:   " + ", ".join(encoder_names()) + ", or any Hugging Face model id / folder")
    return 0
