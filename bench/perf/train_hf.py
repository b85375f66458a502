"""The baseline: a Hugging Face `Trainer` set up the way a typical user would.

AutoModelForSequenceClassification (single-label, the same encoder folder), a plain torch
Dataset of tokenised examples, DataCollatorWithPadding (pads each batch to its longest),
random order, default optimiser (whatever `TrainingArguments.optim` defaults to), no eval.

Timing: a callback stamps perf_counter at every `on_step_end`; the measured time is from the
end of the last warm-up step to the end of the last step, so it covers whole steps (loading
and collating the batch, forward, backward, clipping, optimiser, schedule) and none of the
Trainer's setup. A wrapped collator records each batch's shape for the token counts.
"""

from __future__ import annotations

import copy
import tempfile
import time
from dataclasses import dataclass

import torch

from bench.embedders import autocast_dtype
from bench.errors import BenchError
from bench.perf.common import PerfConfig, PerfData, sync


class _Examples(torch.utils.data.Dataset):
    def __init__(self, encodings: dict, labels):
        self.encodings, self.labels = encodings, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        item = {k: v[i] for k, v in self.encodings.items()}
        item["labels"] = int(self.labels[i])
        return item


@dataclass
class HFSide:
    model: torch.nn.Module
    tokenizer: object
    dataset: _Examples
    initial: dict


def build_hf(cfg: PerfConfig, data: PerfData) -> HFSide:
    try:
        import accelerate  # noqa: F401  (Trainer needs it; fail here with a clear message)
    except ImportError:
        raise BenchError("the Trainer baseline needs accelerate: pip install accelerate, "
                         "or pass --skip trainer") from None
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from bench.encoders import resolve_source

    hf_logging.set_verbosity_error()  # the "newly initialised classifier" warning is expected
    source = resolve_source(cfg.encoder)
    tokenizer = AutoTokenizer.from_pretrained(source)
    torch.manual_seed(cfg.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=data.num_classes, problem_type="single_label_classification",
        attn_implementation="sdpa")
    encodings = tokenizer(list(data.texts), truncation=True, max_length=cfg.max_length)
    dataset = _Examples(dict(encodings), data.labels)
    return HFSide(model, tokenizer, dataset, copy.deepcopy(model.state_dict()))


class _Clock:
    def __init__(self, device: torch.device):
        self.device, self.stamps, self.shapes = device, [], []

    def collator(self, inner):
        def collate(features):
            batch = inner(features)
            mask = batch["attention_mask"]
            self.shapes.append((mask.shape[0], mask.shape[1], int(mask.sum())))
            return batch
        return collate

    def callback(self):
        from transformers import TrainerCallback

        clock = self

        class StepClock(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                sync(clock.device)
                clock.stamps.append(time.perf_counter())

        return StepClock()


def run_hf(side: HFSide, cfg: PerfConfig, device: torch.device,
           overrides: dict | None = None) -> dict:
    """Train warmup + steps steps from the initial weights; `overrides` go to TrainingArguments."""
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback

    side.model.load_state_dict(side.initial)
    clock = _Clock(device)
    half = autocast_dtype(device, cfg.amp, cfg.cpu_bf16)  # same precision as bench's side
    with tempfile.TemporaryDirectory(prefix="bench-perf-") as tmp:
        args = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=cfg.batch_size,
            max_steps=cfg.warmup + cfg.steps, report_to="none", save_strategy="no",
            eval_strategy="no", disable_tqdm=True, seed=cfg.seed, use_cpu=device.type != "cuda",
            bf16=half == torch.bfloat16, fp16=half == torch.float16, logging_strategy="no",
            **(overrides or {}))
        trainer = Trainer(model=side.model, args=args, train_dataset=side.dataset,
                          data_collator=clock.collator(DataCollatorWithPadding(side.tokenizer)),
                          callbacks=[clock.callback()])
        trainer.remove_callback(PrinterCallback)  # it prints the end-of-training log dict
        trainer.train()
        optim = f"{type(trainer.optimizer).__name__}({args.optim})"
    if len(clock.stamps) != cfg.warmup + cfg.steps:
        raise BenchError(f"Trainer ran {len(clock.stamps)} steps but "
                         f"{cfg.warmup + cfg.steps} were asked; the timing would be wrong")
    first = clock.stamps[cfg.warmup - 1]
    measured = clock.shapes[cfg.warmup:cfg.warmup + cfg.steps]
    return {"seconds": clock.stamps[-1] - first, "steps": cfg.steps,
            "examples": sum(s[0] for s in measured), "shapes": measured, "optimizer": optim}
