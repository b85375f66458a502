"""benchmarks/gpu_pack.py: zeroing the word-embedding rows no text uses leaves a run unchanged."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.helpers import write_csv

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_pack.py"


def load_pack():
    spec = importlib.util.spec_from_file_location("gpu_pack", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_zeroed_rows_are_never_read(tmp_path, tiny_encoder):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertModel

    from bench.data import load_dataset

    pack = load_pack()
    ds = load_dataset(str(write_csv(tmp_path / "toy.csv", n_per_class=5)))
    texts = [t for split in (ds.train, ds.dev, ds.test) for t in split.texts]
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    used = pack.used_token_ids(tok, texts)
    assert set(tok.all_special_ids) <= used and len(used) < tok.vocab_size
    weights = load_file(Path(tiny_encoder) / "model.safetensors")
    kept = pack.zero_unused_rows(weights, used)
    assert kept == len(used)
    key = next(k for k in weights if k.endswith("word_embeddings.weight"))
    before = load_file(Path(tiny_encoder) / "model.safetensors")[key]
    unused = sorted(set(range(tok.vocab_size)) - used)
    assert (weights[key][unused] == 0).all() and (before[unused] != 0).any()
    assert torch.equal(weights[key][sorted(used)], before[sorted(used)])

    original = BertModel.from_pretrained(tiny_encoder).eval()
    packed = BertModel.from_pretrained(tiny_encoder).eval()
    packed.load_state_dict({k.removeprefix("bert."): v for k, v in weights.items()},
                           strict=False)
    with torch.no_grad():
        batch = tok(texts, padding=True, return_tensors="pt")
        assert torch.equal(original(**batch).last_hidden_state,
                           packed(**batch).last_hidden_state)
        # a word of no text reads a zeroed row: the check above could fail
        other = tok(["zebra xylophone quantum"], return_tensors="pt")
        assert not set(other["input_ids"][0].tolist()) <= used
        assert not torch.equal(original(**other).last_hidden_state,
                               packed(**other).last_hidden_state)


def test_usage_without_arguments():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert proc.returncode != 0 and "gpu_pack.py MODEL_DIR DATASET" in proc.stderr


def test_prints_the_dataset_folders(tmp_path, data_dir, tiny_encoder, monkeypatch, capsys):
    import shutil
    import sys

    model = tmp_path / "model"
    shutil.copytree(tiny_encoder, model)
    monkeypatch.setenv("BENCH_DATA_DIR", str(data_dir))
    monkeypatch.setattr(sys, "argv", ["gpu_pack.py", str(model), "goemotions_ekman"])
    assert load_pack().main() == 0
    assert capsys.readouterr().out.strip() == "goemotions/ekman"
