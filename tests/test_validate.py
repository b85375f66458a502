"""Fail fast (issue 17): a bad option is one `error:` line naming it, exit status 2, before any
data is read, any model loaded or any run folder or study created."""

from __future__ import annotations

import math
import string
import time

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bench.api
import bench.data
import bench.encoders
import bench.peers.record
import bench.perf.train_bench
import bench.prepare
import bench.runner
import bench.sweep.study
import losses
from bench.checks import usage_error
from bench.cli import main
from bench.config import RunConfig
from bench.data import dataset_names
from bench.encoders import HUB_ID, encoder_names
from bench.validate import validate_run_config
from tests.helpers import write_csv

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
WORK = [(bench.data, "load_dataset"), (bench.prepare, "load_dataset"),
        (bench.prepare, "load_full_data"), (bench.prepare, "load_data"),
        (bench.runner, "load_full_data"), (bench.runner, "load_data"),
        (bench.encoders, "load_backbone"), (bench.prepare, "load_backbone"),
        (bench.api, "load_run"), (bench.sweep.study, "make_storage"),
        # modules that bind a loader at import: imported above, so that no test imports them
        # first while the spies are in place (their copies would outlive the test)
        (bench.peers.record, "load_full_data"), (bench.api, "load_backbone"),
        (bench.perf.train_bench, "load_backbone")]
WORDS = st.text(string.ascii_letters, min_size=1, max_size=8)
NOT_POSITIVE = st.one_of(st.floats(max_value=0.0), st.sampled_from([math.nan, math.inf]))
NEGATIVE = st.one_of(st.floats(max_value=-1e-9), st.sampled_from([math.nan, -math.inf]))
NOT_FRACTION = st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0, exclude_min=True),
                         st.just(math.nan))
BAD_DEVICE = st.one_of(
    st.text(max_size=10).filter(lambda s: s != "auto" and not s.startswith(("cpu", "cuda", "mps"))),
    st.sampled_from(["cuda:x", "cuda:-1", "cuda:01", "cpu:", "CUDA", "cuda:99"]
                    + ([] if torch.cuda.is_available() else ["cuda", "cuda:0"])))
BAD_ENCODER = st.text(max_size=16).filter(
    lambda s: s not in encoder_names() and not (HUB_ID.fullmatch(s) and ".." not in s))
BAD_HP = st.one_of(
    WORDS.filter(lambda k: k not in losses.get("proxy_anchor").defaults).map(lambda k: f"{k}=0.2"),
    st.tuples(st.sampled_from(["margin", "alpha", "lr_multiplier"]),
              st.one_of(WORDS, NEGATIVE.map(repr), st.just("1e999"))).map("=".join))


@pytest.fixture(scope="module")
def toy_csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("data") / "toy.csv")


@pytest.fixture
def no_work(monkeypatch):
    """Spies on every loader: validation must fail before any of them is called."""
    calls: list[str] = []

    def spy(name: str):
        def called(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called before the options were checked")
        return called

    for module, attr in WORK:
        monkeypatch.setattr(module, attr, spy(f"{module.__name__}.{attr}"))
    return calls


def fails_fast(argv: list[str], option: str, capsys, calls: list[str], *folders) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors would land here
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("error: "), err
    assert option in err, err
    assert not calls, calls
    for folder in folders:
        assert not folder.exists(), f"{folder} was created"
    return err


def run_cases(toy: str, out: str) -> list[tuple[str, st.SearchStrategy]]:
    """(option, invalid values) for `bench run`."""
    ints = {o: st.integers(max_value=0) for o in ("--embedding-dim", "--epochs", "--batch-size",
                                                  "--max-length", "--patience", "--max-train")}
    return [*ints.items(),
            ("--lr", NOT_POSITIVE), ("--head-lr-multiplier", NOT_POSITIVE),
            ("--weight-decay", NEGATIVE), ("--train-fraction", NOT_FRACTION),
            ("--max-length", st.integers(min_value=513, max_value=10**6)),
            ("--seed", st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32))),
            ("--device", BAD_DEVICE), ("--encoder", BAD_ENCODER), ("--hp", BAD_HP),
            ("--loss", st.text(max_size=14).filter(lambda s: s not in losses.names())),
            ("--dataset", st.one_of(WORDS.map(lambda s: f"{s}.csv"), st.text(max_size=12).filter(
                lambda s: s not in dataset_names()))),
            ("--dev-file", WORDS.map(lambda s: f"missing-{s}.tsv")),
            ("--test-file", st.text(max_size=12)),
            ("--run-id", st.sampled_from(["a/b", "..", ".", ""])),
            ("--output-dir", st.just(toy)),
            ("--label-sep", st.just("")), ("--text-column", st.just("")),
            ("--label-columns", st.sampled_from([",", "a,a", "joy,text"])),
            ("--ignore-columns", WORDS)]


@SETTINGS
@given(data=st.data())
def test_run_rejects_every_bad_option_before_any_work(data, toy_csv, tmp_path, capsys, no_work):
    out = tmp_path / "runs"
    option, values = data.draw(st.sampled_from(run_cases(str(toy_csv), str(out))))
    value = data.draw(values)
    argv = ["run", "--dataset", str(toy_csv), "--mode", "frozen", "--loss", "proxy_anchor",
            "--output-dir", str(out), "--quiet", f"{option}={value}"]
    fails_fast(argv, option, capsys, no_work, out)


@SETTINGS
@given(data=st.data())
def test_sweep_checks_once_before_any_study(data, toy_csv, tmp_path, capsys, no_work):
    sweeps, out = tmp_path / "sweeps", tmp_path / "runs"
    option, values = data.draw(st.sampled_from([
        ("--trials", st.integers(max_value=0)), ("--final-seeds", st.integers(max_value=-1)),
        ("--heartbeat-interval", st.integers(max_value=0)),
        ("--grace-period", st.integers(max_value=0)), ("--max-retry", st.integers(max_value=-1)),
        ("--losses", WORDS.filter(lambda s: s not in losses.names())),
        ("--device", BAD_DEVICE), ("--max-length", st.integers(max_value=0)),
        ("--train-fraction", NOT_FRACTION), ("--encoder", BAD_ENCODER)]))
    argv = ["sweep", "--dataset", str(toy_csv), "--losses", "softmax,triplet",
            "--sweep-dir", str(sweeps), "--output-dir", str(out), f"{option}={data.draw(values)}"]
    fails_fast(argv, option, capsys, no_work, sweeps, out)


@SETTINGS
@given(data=st.data())
def test_grid_and_lowres_check_every_combination_first(data, toy_csv, tmp_path, capsys, no_work):
    out = tmp_path / "runs"
    bad_loss = WORDS.filter(lambda s: s not in losses.names()).map(lambda s: f"softmax,{s}")
    command, option, values = data.draw(st.sampled_from([
        ("grid", "--losses", bad_loss), ("grid", "--seeds", st.sampled_from(["0,-1", "x", ""])),
        ("grid", "--hp", st.just("alpha=4.0")),  # softmax, the first run, has no alpha
        ("grid", "--datasets", WORDS.map(lambda s: f"{toy_csv},{s}.csv")),
        ("lowres", "--fractions", NOT_FRACTION.map(lambda f: f"0.5,{f}")),
        ("lowres", "--seeds", st.integers(max_value=0)), ("lowres", "--losses", bad_loss),
        ("lowres", "--hp", WORDS.filter(lambda k: all(k not in losses.get(n).defaults
                                                      for n in ("softmax", "proxy_anchor")))
         .map(lambda k: f"{k}=1.0"))]))
    dataset = ["--datasets", str(toy_csv), "--seeds", "0"] if command == "grid" else [
        "--dataset", str(toy_csv), "--seeds", "1", "--fractions", "0.5"]
    argv = [command, *dataset, "--losses", "softmax,proxy_anchor", "--mode", "frozen",
            "--output-dir", str(out), "--quiet", f"{option}={data.draw(values)}"]
    fails_fast(argv, option, capsys, no_work, out)


@SETTINGS
@given(data=st.data())
def test_predict_and_embed_check_their_options(data, toy_csv, tmp_path, capsys, no_work):
    command = data.draw(st.sampled_from(["predict", "embed"]))
    option, values = data.draw(st.sampled_from([
        ("--batch-size", st.integers(max_value=0)), ("--device", BAD_DEVICE),
        ("--encoder", BAD_ENCODER), ("--run", WORDS.map(lambda s: f"no-run-{s}")),
        ("--input", WORDS.map(lambda s: f"missing-{s}.txt"))]))
    output = tmp_path / "emb.npy"
    head = (["embed", "--output", str(output), "--input", str(toy_csv)] if command == "embed"
            else ["predict"] if option == "--input" else ["predict", "so happy"])
    fails_fast([*head, "--run", str(tmp_path), f"{option}={data.draw(values)}"], option, capsys,
               no_work, output)


@pytest.mark.parametrize("argv, option", [
    (["--hp", "margn=0.2"], "--hp margn"),
    (["--hp", "alpha=abc"], "--hp alpha"),
    (["--loss", "proxy_ancor"], "--loss"),
    (["--lr", "-1"], "--lr"),
    (["--embedding-dim", "-3"], "--embedding-dim"),
])
def test_issue_examples_fail_in_under_two_seconds(argv, option, toy_csv, tmp_path, capsys,
                                                  no_work):
    out = tmp_path / "runs"
    start = time.perf_counter()
    err = fails_fast(["run", "--mode", "frozen", "--dataset", str(toy_csv), "--loss",
                      "proxy_anchor", "--output-dir", str(out), *argv], option, capsys, no_work, out)
    assert time.perf_counter() - start < 2.0
    assert {"margn": "did you mean 'margin'", "proxy_ancor": "did you mean 'proxy_anchor'"}.get(
        argv[1].split("=")[0], "but got") in err


def test_lowres_applies_each_hp_only_where_it_applies(toy_csv):
    from bench.commands.lowres import plan

    base = RunConfig(loss="softmax", dataset=str(toy_csv), mode="frozen",
                     loss_hparams={"margin": 0.3})
    cfgs = plan(base, fractions=[0.5], losses=["softmax", "triplet"], seeds=1)
    # triplet's configuration also names its changed default (losses.Objective.former_defaults)
    assert [c.loss_hparams for c in cfgs] == [{}, {"margin": 0.3, "miner": "semi_hard"}]


def test_validation_leaves_the_random_state_alone(toy_csv):
    cfg = RunConfig(loss="proxy_anchor", dataset=str(toy_csv), mode="frozen")
    torch.manual_seed(0)
    validate_run_config(cfg)  # builds a proxy objective, which draws random numbers
    after = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(3))


def test_runconfig_errors_are_spelled_as_options():
    with pytest.raises(ValueError) as info:
        RunConfig(loss="softmax", dataset="x", train_fraction=2.0)
    assert str(usage_error(info.value)).startswith("--train-fraction must be in (0, 1]")
    names = {"train_fraction": "--fractions"}
    assert str(usage_error(info.value, names)).startswith("--fractions must be")


@pytest.mark.parametrize("option,value", [("--seed", "-1"), ("--max-train", "0"),
                                          ("--device", "cuda:x"), ("--max-length", "0"),
                                          ("--dataset", "no_such_set"), ("--run-id", "a/b")])
def test_peer_fails_fast(option, value, toy_csv, tmp_path, capsys, no_work):
    out = tmp_path / "runs"
    argv = ["peer", "setfit", "--backend", "builtin", "--dataset", str(toy_csv),
            "--output-dir", str(out), option, value]
    fails_fast(argv, option, capsys, no_work, out)


def test_peer_without_the_setfit_package_fails_fast(toy_csv, tmp_path, capsys, no_work,
                                                    monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "setfit" else real(name, *a))
    out = tmp_path / "runs"
    err = fails_fast(["peer", "setfit", "--dataset", str(toy_csv), "--output-dir", str(out)],
                     "--backend", capsys, no_work, out)
    assert "'setfit'" in err and "pip install '.[peers]'" in err
