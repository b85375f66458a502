"""SetFit's "setfit" backend: the `setfit` package itself (`pip install '.[peers]'`), given
the suite's training rows, options and --max-length (the procedure: bench.peers.setfit).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence

import numpy as np
import torch

from bench.errors import BenchError
from bench.peers.setfit import INSTALL_HINT, Fitted, SetFitOptions


def train_package(texts, labels: np.ndarray, cfg, opts: SetFitOptions, device: torch.device,
                  progress: bool) -> Fitted:
    try:
        from datasets import Dataset
        from setfit import SetFitModel, Trainer, TrainingArguments
    except ImportError as exc:
        raise BenchError(f"--backend setfit needs the setfit package ({exc}): "
                         f"{INSTALL_HINT}") from None
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from bench.encoders import resolve_source

    if not progress:
        _silence()
    model = SetFitModel.from_pretrained(resolve_source(cfg.encoder), device=str(device),
                                        trust_remote_code=cfg.trust_remote_code)
    model.model_body.max_seq_length = cfg.max_length  # the suite's input length, not 256
    data = Dataset.from_dict({"text": list(texts), "label": labels.tolist()})
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, batch_size=opts.batch_size,
                                 num_epochs=opts.epochs, num_iterations=opts.iterations,
                                 body_learning_rate=opts.lr, warmup_proportion=opts.warmup_ratio,
                                 l2_weight=opts.weight_decay, seed=cfg.seed, report_to="none",
                                 save_strategy="no", show_progress_bar=progress,
                                 logging_strategy="steps" if progress else "no",
                                 logging_first_step=progress)
        trainer = Trainer(model=model, args=args, train_dataset=data)
        if not progress:  # --quiet: the step bar (or, without it, the printer of the final
            # metrics dict) is a callback the trainer made at init
            trainer.st_trainer.remove_callback(ProgressCallback)
            trainer.st_trainer.remove_callback(PrinterCallback)
        start = time.perf_counter()
        trainer.train()  # pair fine-tuning, then the logistic regression
        seconds = time.perf_counter() - start
    pairs = 2 * opts.iterations * len(labels)

    def embed(items: Sequence[str], desc: str) -> np.ndarray:
        return np.asarray(model.model_body.encode(list(items), batch_size=cfg.eval_batch_size,
                                                  show_progress_bar=progress, convert_to_numpy=True))

    return Fitted(embed, model.model_head, seconds, pairs,
                  opts.epochs * math.ceil(pairs / opts.batch_size), None)


def _silence() -> None:
    """--quiet: the package's own chatter (weight-loading and Map bars, "Running training",
    the random-head notice, torch's pin_memory warning on a CPU) would fill a campaign's log
    with several lines per run; errors still show."""
    import logging
    import warnings

    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    for name in ("setfit", "sentence_transformers"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*'pin_memory' argument is set as true.*")
