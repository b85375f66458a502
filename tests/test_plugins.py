"""Plugins: the three ways to load one, one-line errors, records, and no import from a run folder."""

from __future__ import annotations

import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

import pytest

import losses
from bench import plugins
from bench.cli import main
from tests.helpers import write_csv

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "circle_loss" / "circle_loss.py"
BUILTIN = ["proxy_anchor", "proxy_nca", "softmax", "supcon", "triplet"]

PLUGIN = '''
import torch
from losses import Objective, register


@register
class {cls}(Objective):
    name = "{name}"

    def compute_loss(self, embeddings, targets):
        return embeddings.pow(2).mean()
'''


def write_plugin(folder: Path, module: str, name: str, body: str | None = None) -> Path:
    path = folder / f"{module}.py"
    path.write_text(body if body is not None else PLUGIN.format(cls=module.title(), name=name))
    return path


def fake_entry_points(monkeypatch, *values: str) -> None:
    eps = [metadata.EntryPoint(name=f"ep{i}", value=v, group=plugins.GROUP)
           for i, v in enumerate(values)]
    monkeypatch.setattr(plugins.metadata, "entry_points",
                        lambda group: [e for e in eps if e.group == group])


def only_named_plugins(monkeypatch) -> None:
    """An installed plugin (CI installs the example) or a BENCH_PLUGINS from outside must
    not change what these tests load."""
    fake_entry_points(monkeypatch)
    monkeypatch.delenv("BENCH_PLUGINS", raising=False)


@pytest.fixture(autouse=True)
def _only_named_plugins(monkeypatch):
    only_named_plugins(monkeypatch)


def objectives_listed(capsys) -> list[str]:
    out = capsys.readouterr().out
    return out.splitlines()[0].removeprefix("objectives: ").split(", ")


def test_file_plugin_is_listed_for_that_call_only(tmp_path, capsys):
    path = write_plugin(tmp_path, "file_obj", "file_obj")
    assert main(["list", "--plugin", str(path)]) == 0
    assert objectives_listed(capsys) == ["file_obj", *BUILTIN]
    assert losses.names() == BUILTIN  # main() restores the registry on return
    assert main(["list", "--plugin", str(path)]) == 0  # a second call re-registers it
    assert "file_obj" in objectives_listed(capsys)


def test_env_var_loads_modules_and_files(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(tmp_path))
    write_plugin(tmp_path, "env_mod_obj", "env_mod_obj")
    path = write_plugin(tmp_path, "env_file_obj", "env_file_obj")
    monkeypatch.setenv("BENCH_PLUGINS", f"env_mod_obj, {path}")
    assert main(["list"]) == 0
    assert objectives_listed(capsys) == ["env_file_obj", "env_mod_obj", *BUILTIN]


def test_entry_points_name_a_module_or_an_undecorated_class(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(tmp_path))
    write_plugin(tmp_path, "ep_mod_obj", "ep_mod_obj")
    body = PLUGIN.format(cls="EpClass", name="ep_class_obj").replace("@register\n", "")
    write_plugin(tmp_path, "ep_class_mod", "", body)
    fake_entry_points(monkeypatch, "ep_mod_obj", "ep_class_mod:EpClass")
    assert main(["list", "--plugin", "ep_mod_obj"]) == 0  # also asked for: loaded once
    assert objectives_listed(capsys) == ["ep_class_obj", "ep_mod_obj", *BUILTIN]


BROKEN = {
    "raises": ("import torch\nraise RuntimeError('boom\\nsecond line')\n",
               "failed to import: RuntimeError: boom"),
    "empty": ("X = 1\n", "registered no objective"),
    "reuses": (PLUGIN.format(cls="Mine", name="softmax"),
               "reuses the built-in objective name 'softmax'"),
    "half": (PLUGIN.format(cls="Good", name="half_good") + "raise ImportError('no numpy 9')\n",
             "failed to import: ImportError: no numpy 9"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
@pytest.mark.parametrize("how", ["--plugin", "BENCH_PLUGINS", "entry point"])
def test_broken_plugins_get_one_line_naming_them(kind, how, tmp_path, monkeypatch, capsys):
    body, message = BROKEN[kind]
    module = f"broken_{kind}_{how.strip('-').replace(' ', '_').lower()}"
    path = write_plugin(tmp_path, module, "", body)
    monkeypatch.syspath_prepend(str(tmp_path))
    argv = ["list"]
    if how == "--plugin":
        argv += ["--plugin", str(path)]
    elif how == "BENCH_PLUGINS":
        monkeypatch.setenv("BENCH_PLUGINS", module)
    else:
        fake_entry_points(monkeypatch, module)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert (str(path) if how == "--plugin" else module) in err and how in err
    assert losses.names() == BUILTIN and losses.get("softmax").__module__ == "losses.softmax"
    if how == "--plugin":  # called as a library: a failed plugin leaves nothing registered
        with losses.registry.isolated():
            with pytest.raises(plugins.PluginError, match=message):
                plugins.load(str(path), "test")
            assert losses.names() == BUILTIN


def test_missing_plugins_and_two_plugins_with_one_name(tmp_path, capsys):
    assert main(["list", "--plugin", "no_such_plugin_mod"]) == 2
    assert "'no_such_plugin_mod' (--plugin): no module named" in capsys.readouterr().err
    assert main(["list", "--plugin", str(tmp_path / "gone.py")]) == 2
    assert "no such .py file" in capsys.readouterr().err
    first = write_plugin(tmp_path, "twin_a", "twin")
    second = write_plugin(tmp_path, "twin_b", "twin")
    assert main(["list", "--plugin", str(first), "--plugin", str(second)]) == 2
    err = capsys.readouterr().err
    assert f"registers 'twin', which '{first}' (--plugin) already provides" in err


@pytest.fixture(scope="module")
def circle_run(tiny_encoder, tmp_path_factory) -> Path:
    """A frozen run of the example's Circle loss, loaded as a single file."""
    root = tmp_path_factory.mktemp("plugin-runs")
    data = write_csv(root / "toy.csv", n_per_class=20)
    with pytest.MonkeyPatch.context() as mp:  # module scope: the autouse fixture is not active
        only_named_plugins(mp)
        code = main(["run", "--plugin", str(EXAMPLE), "--loss", "circle", "--dataset", str(data),
                 "--mode", "frozen", "--encoder", tiny_encoder, "--epochs", "2", "--quiet",
                     "--max-length", "32", "--device", "cpu", "--output-dir", str(root / "runs")])
    assert code == 0
    return next((root / "runs").glob("*-circle-*"))


def test_a_run_records_its_plugin(circle_run):
    loaded = next(p for p, _ in plugins.loaded() if p.path == str(EXAMPLE))
    want = {"module": loaded.module, "path": str(EXAMPLE),
            "sha256": hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()}
    metrics = json.loads((circle_run / "metrics.json").read_text())
    assert metrics["objective"]["plugin"] == want and metrics["objective"]["name"] == "circle"
    assert json.loads((circle_run / "model" / "run.json").read_text())["plugin"] == want
    assert losses.names() == BUILTIN


def test_predict_names_the_missing_plugin(circle_run, tiny_encoder, capsys):
    assert main(["predict", "--run", str(circle_run), "--device", "cpu", "so happy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"pass --plugin '{EXAMPLE}'" in err
    assert main(["embed", "--run", str(circle_run), "--input", str(EXAMPLE), "--device", "cpu",
                 "--output", str(circle_run / "e.npy")]) == 2
    assert "comes from the plugin file" in capsys.readouterr().err
    argv = ["predict", "--run", str(circle_run), "--device", "cpu", "--plugin", str(EXAMPLE),
            "--encoder", tiny_encoder]  # a local folder: named by the user, never by the run
    assert main([*argv, "--format", "json", "so happy"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_report_needs_no_plugin(circle_run, tmp_path):
    assert "circle" not in losses.names()
    assert main(["report", "--runs", str(circle_run.parent), "--out", str(tmp_path)]) == 0
    tables = "".join(p.read_text() for p in tmp_path.rglob("*.md"))
    assert "circle" in tables


def test_sweep_gives_a_plugin_the_same_budget(tiny_encoder, tmp_path):
    import optuna

    data = write_csv(tmp_path / "toy.csv", n_per_class=12)
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    assert main(["sweep", "--plugin", str(EXAMPLE), "--losses", "circle,softmax",
                 "--dataset", str(data), "--encoder", tiny_encoder, "--trials", "2",
                 "--epochs", "1", "--final-seeds", "0", "--storage", storage,
                 "--sweep-dir", str(tmp_path / "sweeps"), "--max-length", "32"]) == 0
    studies = optuna.study.get_all_study_summaries(storage)
    assert sorted(s.n_trials for s in studies) == [2, 2] and len(studies) == 2
    assert any("circle" in s.study_name for s in studies)
    circle = next(s for s in studies if "circle" in s.study_name)
    trial = optuna.load_study(study_name=circle.study_name, storage=storage).trials[0]
    drawn = {k.rsplit(".", 1)[-1] for k in trial.params}
    assert {"margin", "gamma"} <= drawn  # its own declared search space


def test_no_run_folder_causes_an_import(tmp_path, monkeypatch, capsys):
    """Every field a run folder has names a module that would leave a mark if imported."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "evil_mod.py").write_text(
        f"open({str(tmp_path / 'imported')!r}, 'w').close()\n")
    evil = {"module": "evil_mod", "path": str(tmp_path / "evil_mod.py"), "distribution":
            "evil_mod", "version": "1"}
    run = tmp_path / "runs" / "evil-run"
    (run / "model").mkdir(parents=True)
    manifest = {"format_version": 1, "mode": "frozen", "encoder": "evil_mod", "pooling": "mean",
                "max_length": 8, "embedding_dim": None, "head_hidden": 8, "objective": "evil_mod",
                "hparams": {}, "multi_label": False, "label_names": ["a", "b"],
                "dataset": "evil_mod", "thresholds": None, "plugin": evil}
    (run / "model" / "run.json").write_text(json.dumps(manifest))
    (run / "config.json").write_text(json.dumps({"loss": "evil_mod", "dataset": "evil_mod",
                                                 "encoder": "evil_mod", "mode": "frozen",
                                                 "plugin": evil, "tags": []}))
    (run / "metrics.json").write_text(json.dumps({
        "schema_version": 1, "dataset": {"name": "evil_mod", "multi_label": False,
                                         "label_names": ["a", "b"]},
        "objective": {"name": "evil_mod", "hparams": {}, "plugin": evil},
        "test": {"macro_f1": 0.5, "micro_f1": 0.5, "accuracy": 0.5, "per_class": {},
                 "embedding": {"map_at_r": 0.1}}, "timings": {"train": 1.0, "total": 1.0}}))
    (run / "status.json").write_text(json.dumps({"status": "complete"}))
    assert main(["predict", "--run", str(run), "--device", "cpu", "hi"]) == 2
    err = capsys.readouterr().err
    assert "comes from the plugin file" in err and "evil_mod.py' or set BENCH_PLUGINS" in err
    (run / "status.json").write_text(json.dumps({"status": "interrupted"}))
    assert main(["run", "--resume", str(run), "--quiet"]) == 2
    (run / "status.json").write_text(json.dumps({"status": "complete"}))
    main(["report", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "t"),
          "--allow-missing"])
    main(["plot", "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "f"),
          "--dataset", "evil_mod", "--allow-missing"])
    assert not (tmp_path / "imported").exists() and "evil_mod" not in sys.modules


def test_contract_helper_fails_a_broken_objective():
    from losses.testing import check_objective

    class IgnoresSecondLabels(losses.Objective):
        name = "ignores_second_labels"

        def compute_loss(self, embeddings, targets):
            first = targets.float().argmax(1) if self.multi_label else targets
            return (embeddings.pow(2).mean(1) * (first + 1)).mean()

    check_objective(IgnoresSecondLabels, multi_label=False)  # fine on single-label input
    with pytest.raises(AssertionError, match="second label"):
        check_objective(IgnoresSecondLabels)
    assert "ignores_second_labels" not in losses.names()
