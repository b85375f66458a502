"""scan_runs: the one folder scan that grid, lowres, peer, sweep retrains and campaign v2 use
to skip finished work and resume interrupted runs."""

from __future__ import annotations

import json
from pathlib import Path

from bench.records import scan_runs


def _run(root: Path, name: str, identity: str | None, status: str | None,
         checkpoint: bool = False, config_text: str | None = None) -> Path:
    d = root / name
    d.mkdir(parents=True)
    cfg = {"identity": identity} if identity is not None else {"model_type": "bert"}
    (d / "config.json").write_text(config_text if config_text is not None else json.dumps(cfg))
    if status is not None:
        (d / "status.json").write_text(json.dumps({"status": status}))
    if checkpoint:
        (d / "checkpoint").mkdir()
    return d


def test_complete_partial_and_damaged_folders(tmp_path):
    a = _run(tmp_path, "a", "id-a", "complete")
    _run(tmp_path, "b", "id-a", "complete")  # the same identity again: the first name wins
    c = _run(tmp_path, "c", "id-c", "interrupted", checkpoint=True)
    _run(tmp_path, "d", "id-d", "running")  # no checkpoint: neither done nor resumable
    _run(tmp_path, "e", None, "complete", config_text="{not json")  # damaged: skipped
    _run(tmp_path, "f", None, "complete")  # a config.json without an identity
    _run(tmp_path, "g", "id-g", None)  # no status.json at all
    done, partial = scan_runs(tmp_path)
    assert done == {"id-a": a}
    assert partial == {"id-c": c}


def test_several_folders_and_recursive(tmp_path):
    top = _run(tmp_path / "one", "x", "id-x", "complete")
    nested = _run(tmp_path / "two" / "deeper", "y", "id-y", "complete")
    assert scan_runs(tmp_path / "one", tmp_path / "two")[0] == {"id-x": top}
    assert scan_runs(tmp_path, recursive=True)[0] == {"id-x": top, "id-y": nested}
    assert scan_runs(tmp_path / "missing") == ({}, {})


def test_cpu_info_reads_the_first_processor_block(tmp_path):
    from bench.records import cpu_info, environment
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\n"
                    "flags\t\t: fpu avx2 avx512f amx_tile amx_bf16 avx512_bf16\n\n"
                    "processor\t: 1\nmodel name\t: something else\nflags\t\t: fpu\n")
    assert cpu_info(info) == ("Intel(R) Xeon(R) Platinum 8481C",
                              ["avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"])
    assert cpu_info(tmp_path / "absent") == (None, [])
    (tmp_path / "bare").write_text("processor\t: 0\nflags\t: fpu\n")
    assert cpu_info(tmp_path / "bare") == (None, [])
    import torch
    env = environment(torch.device("cpu"))
    assert {"cpu_model", "cpu_flags"} <= env.keys() and isinstance(env["cpu_flags"], list)
