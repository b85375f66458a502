"""benchmarks/campaign_v2.py: the plan it prints and the epoch lines it reads from checkpoints."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "campaign_v2.py"


def load_driver():
    spec = importlib.util.spec_from_file_location("campaign_v2", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["campaign_v2"] = module  # as an import would: its dataclass looks itself up
    spec.loader.exec_module(module)
    return module


def fake_run(out: Path, driver, cell: tuple, *, complete: bool, curve: list[dict] = (),
             total: float = 600.0, device: str = "cpu", threads: int | None = None):
    folder = out / f"{cell[0]}-{cell[1]}-finetune-s{cell[2]}-20261127-000000-abcdef"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"identity": driver.identity(*cell)}))
    (folder / "status.json").write_text(json.dumps({"status": "complete" if complete
                                                    else "running"}))
    if complete:
        timings = {"total": total, "train": total - 50.0}
        (folder / "metrics.json").write_text(json.dumps({"timings": timings}))
        env = {"device": device} if threads is None else {"device": device,
                                                           "torch_threads": threads}
        (folder / "env.json").write_text(json.dumps(env))
    else:
        (folder / "checkpoint").mkdir()
        (folder / "checkpoint" / "state.json").write_text(json.dumps({"result": {"curve": curve}}))
    return folder


def plan(out: Path, datasets: str, *, seeds: int) -> str:
    """What `campaign_v2.py --plan` prints for the runs in `out`."""
    return subprocess.run([sys.executable, str(SCRIPT), "--plan", "--out", str(out),
                           "--datasets", datasets, "--seeds", str(seeds)],
                          capture_output=True, text=True, check=True).stdout


def test_plan_counts_complete_resumable_and_left(tmp_path):
    driver = load_driver()
    fake_run(tmp_path, driver, ("dair_emotion", "softmax", 0), complete=True)
    fake_run(tmp_path, driver, ("dair_emotion", "triplet", 0), complete=False)
    out = plan(tmp_path, "dair_emotion", seeds=2)
    assert "campaign v2: 10 cells, 1 complete, 9 to run (1 resumable)" in out
    # 9 left: two softmax at its 600 s; 7 of other objectives, which ran on no other dataset
    # to scale from, at that same 600 s
    assert "dair_emotion: 1 complete, 1 resumable, 9 to run; cpu: ~1.5 h" in out
    assert ("  cpu, s per run: proxy_anchor 600 (as softmax), proxy_nca 600 (as softmax), "
            "triplet 600 (as softmax), supcon 600 (as softmax), softmax 600 (1 run)") in out
    assert "seed 0: proxy_anchor, proxy_nca, triplet*, supcon" in out
    assert "seed 1: softmax, proxy_anchor, proxy_nca, triplet, supcon" in out


def test_epoch_lines_come_from_the_checkpoint_curve(tmp_path):
    folders = module("campaign_folders")
    driver = load_driver()
    cell = ("tweeteval_emotion", "supcon", 1)
    rows = [{"epoch": 1, "dev_macro_f1": 0.5, "train_loss": 2.0, "seconds": 10.0},
            {"epoch": 2, "dev_macro_f1": 0.6, "train_loss": 1.5, "seconds": 11.0}]
    folder = fake_run(tmp_path, driver, cell, complete=False, curve=rows)
    assert folders.run_folder(tmp_path, cell, driver.identity(*cell)) == folder
    assert folders.run_folder(tmp_path, cell, "another identity") is None
    # a folder that was there before the launch (an attempt interrupted before its first
    # checkpoint has the same identity) is not the new run's
    assert folders.run_folder(tmp_path, cell, driver.identity(*cell), {folder}) is None
    assert folders.cell_folders(tmp_path, cell) == {folder}
    assert folders.new_epochs(folder, 0) == rows
    assert folders.new_epochs(folder, 1) == rows[1:]
    assert folders.new_epochs(None, 0) == []  # the run has not made its folder yet
    (folder / "checkpoint" / "state.json").write_text("{not json")  # mid-swap or damaged
    assert folders.new_epochs(folder, 0) == []
    # the line says how many epochs and minutes at most are left to the cap
    assert folders.epoch_line(cell, rows[1], 10) == (
        "('tweeteval_emotion', 'supcon', 1) epoch 2: dev macro-F1 0.6000, train loss 1.5000, "
        "11s; at most 8 more, ~1 min")
    assert folders.epoch_line(cell, rows[1], 2).endswith("1.5000, 11s")  # the last epoch
    assert folders.epoch_line(cell, rows[1], None).endswith("1.5000, 11s")  # cap unknown


def module(name: str):
    """One of the modules campaign_v2.py imports from benchmarks/ (campaign_costs, ...)."""
    load_driver()
    return sys.modules[name]


def costs_module():
    return module("campaign_costs")


def test_finished_runs_are_read_per_cell_and_filtered_per_device(tmp_path):
    driver, costs, records = load_driver(), costs_module(), module("campaign_records")
    cells = [("dair_emotion", "softmax", 0), ("dair_emotion", "supcon", 0),
             ("dair_emotion", "triplet", 0), ("goemotions", "softmax", 0)]
    fake_run(tmp_path, driver, cells[0], complete=True, total=900.0)
    fake_run(tmp_path, driver, cells[1], complete=True, total=80.0, device="cuda:0")
    fake_run(tmp_path, driver, cells[2], complete=True, total=700.0)
    fake_run(tmp_path, driver, cells[3], complete=False)
    ident = {c: driver.identity(*c) for c in cells}
    runs = records.finished(ident, driver.scan_runs(tmp_path)[0])
    assert sorted(runs) == [("dair_emotion", "softmax", "cpu", 900.0),
                            ("dair_emotion", "supcon", "cuda", 80.0),
                            ("dair_emotion", "triplet", "cpu", 700.0)]
    # a GPU lease must not wait on a CPU record's 900 s, nor a CPU on a GPU's 80 s
    assert costs.on(runs, "cuda") == [("dair_emotion", "supcon", "cuda", 80.0)]
    assert len(costs.on(runs, "cpu")) == 2 and len(costs.on(runs, None)) == 3
    assert costs.estimate(runs, "dair_emotion", "softmax", "cuda") == (
        80.0, "as supcon")  # no softmax on the GPU and nothing to scale from
    assert costs.estimate(runs, "tweeteval_emotion", "softmax", "cpu") is None


def test_an_objective_without_runs_is_scaled_by_its_slowdown_elsewhere():
    costs = costs_module()
    runs = [("dair_emotion", "softmax", "cpu", 100.0), ("dair_emotion", "triplet", "cpu", 160.0),
            ("tweeteval_emotion", "softmax", "cpu", 50.0),
            ("tweeteval_emotion", "triplet", "cpu", 100.0),
            ("goemotions", "softmax", "cpu", 1000.0), ("goemotions", "proxy_nca", "cpu", 3000.0)]
    # triplet ran 1.6x and 2.0x as long as softmax: the median 1.8x of GoEmotions' softmax
    # and proxy-NCA (the upper median 3000 s; max for a deadline, here the same)
    assert costs.estimate(runs, "goemotions", "triplet", "cpu") == (5400.0, "scaled x1.80 here")
    assert costs.estimate(runs, "goemotions", "triplet", "cpu", max) == (5400.0,
                                                                          "scaled x1.80 here")
    # its own runs win over any scaling, and so do those of a dataset with the same texts
    assert costs.estimate(runs, "goemotions", "softmax", "cpu") == (1000.0, "1 run")
    assert costs.estimate(runs, "goemotions_ekman", "softmax", "cpu") == (
        1000.0, "1 run of goemotions")
    # a GPU with only GoEmotions' softmax takes triplet's slowdown from the CPU's records
    gpu = [*runs, ("goemotions_ekman", "softmax", "cuda", 200.0)]
    assert costs.estimate(gpu, "goemotions", "triplet", "cuda") == (
        360.0, "scaled x1.80 elsewhere")


def test_interrupt_makes_each_running_run_stop_as_interrupted(tmp_path):
    engine = module("campaign_driver")
    marker = tmp_path / "status"
    child = ("import signal, time, pathlib\n"
             "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
             f"p = pathlib.Path({str(marker)!r}); p.write_text('running')\n"
             "try:\n    time.sleep(60)\n"
             "except KeyboardInterrupt:\n    p.write_text('interrupted')\n")
    proc = subprocess.Popen([sys.executable, "-c", child])
    for _ in range(100):  # until the child has installed its handler
        if marker.exists():
            break
        time.sleep(0.05)
    engine.interrupt({proc: (("dair_emotion", "softmax", 0), 0.0, None)}, "deadline")
    assert proc.returncode == 0
    assert marker.read_text() == "interrupted"


def test_goemotions_label_sets_borrow_goemotions_costs(tmp_path):
    driver = load_driver()
    fake_run(tmp_path, driver, ("goemotions", "softmax", 0), complete=True, total=2400.0)
    out = plan(tmp_path, "goemotions,goemotions_ekman,tweeteval_emotion", seeds=1)
    assert "goemotions: 1 complete, 0 resumable, 4 to run; cpu: ~2.7 h" in out
    assert "goemotions_ekman: 0 complete, 0 resumable, 5 to run; cpu: ~3.3 h" in out
    assert "  cpu, s per run: softmax 2400 (1 run of goemotions), proxy_anchor 2400" in out
    assert "tweeteval_emotion: 0 complete, 0 resumable, 5 to run; no finished run" in out


def test_goemotions_borrows_from_a_label_set_that_ran_first():
    # a GPU lease finished Ekman runs before any of GoEmotions' 28 labels
    costs, records = costs_module(), module("campaign_records")
    runs = [("goemotions_ekman", "softmax", "cuda", 240.0),
            ("goemotions_group", "softmax", "cuda", 160.0)]
    assert costs.estimate(runs, "goemotions", "softmax", "cuda") == (
        240.0, "1 run of goemotions_ekman")
    assert costs.estimate(runs, "goemotions_group", "softmax", "cuda") == (160.0, "1 run")
    assert costs.estimate(runs, "dair_emotion", "softmax", "cuda") is None
    assert records.texts_of("goemotions_group") == ("goemotions_group", "goemotions",
                                                  "goemotions_ekman")
    assert records.texts_of("dair_emotion") == ("dair_emotion",)


def test_plan_costs_each_kind_of_device_from_its_own_runs(tmp_path):
    driver = load_driver()
    fake_run(tmp_path, driver, ("goemotions", "softmax", 0), complete=True, total=2400.0)
    fake_run(tmp_path, driver, ("goemotions_ekman", "softmax", 0), complete=True, total=240.0,
             device="cuda:0")
    out = plan(tmp_path, "goemotions,goemotions_ekman", seeds=1)
    # 4 left on each; the CPU's Ekman cost comes from its GoEmotions run, and vice versa
    assert "goemotions: 1 complete, 0 resumable, 4 to run; cpu: ~2.7 h; cuda: ~0.3 h" in out
    assert ("  cuda, s per run: proxy_anchor 240 (as softmax), proxy_nca 240 (as softmax), "
            "triplet 240 (as softmax), supcon 240 (as softmax)") in out
    assert "goemotions_ekman: 1 complete, 0 resumable, 4 to run; cpu: ~2.7 h; cuda: ~0.3 h" in out


def test_plan_costs_cpu_runs_per_thread_count(tmp_path):
    # one thread is much slower than two: a median over both would describe neither
    records = module("campaign_records")
    driver = load_driver()
    fake_run(tmp_path, driver, ("dair_emotion", "softmax", 0), complete=True, total=300.0,
             threads=2)
    fake_run(tmp_path, driver, ("dair_emotion", "triplet", 0), complete=True, total=700.0,
             threads=1)
    fake_run(tmp_path, driver, ("dair_emotion", "supcon", 0), complete=True, total=60.0,
             device="cuda:0", threads=2)
    out = plan(tmp_path, "dair_emotion", seeds=1)
    # proxy-anchor and proxy-NCA are left: 2 x 700 s, 2 x 300 s, 2 x 60 s
    assert ("dair_emotion: 3 complete, 0 resumable, 2 to run; cpu (1 thread): ~0.4 h; "
            "cpu (2 threads): ~0.2 h; cuda: ~0.0 h") in out
    assert "  cpu (1 thread), s per run: proxy_anchor 700 (as triplet)" in out
    assert "  cpu (2 threads), s per run: proxy_anchor 300 (as softmax)" in out
    costs = costs_module()
    ident = {("dair_emotion", loss, 0): driver.identity("dair_emotion", loss, 0)
             for loss in ("softmax", "triplet", "supcon")}
    runs = records.finished(ident, driver.scan_runs(tmp_path)[0])
    # the deadline reads its own thread count's records, else every CPU record
    assert costs.estimate(runs, "dair_emotion", "triplet", "cpu (2 threads)", max) == (
        300.0, "as softmax")
    assert costs.estimate(runs, "dair_emotion", "triplet", "cpu", max) == (700.0, "1 run")


def test_the_deadline_waits_for_the_slowest_run_of_each_objective_on_this_machine():
    costs = costs_module()
    runs = [("goemotions", "softmax", "cpu (1 thread)", 4000.0),
            ("goemotions", "softmax", "cpu (1 thread)", 4800.0),
            ("goemotions", "softmax", "cpu (2 threads)", 2500.0),
            ("dair_emotion", "softmax", "cpu (1 thread)", 2000.0),
            ("dair_emotion", "triplet", "cpu (1 thread)", 3000.0)]
    keys = {("goemotions", "softmax"), ("goemotions", "triplet"), ("tweeteval_emotion", "supcon")}
    assert costs.deadline_guesses(runs, keys, "cpu (1 thread)", "cpu") == {
        ("goemotions", "softmax"): 4800.0, ("goemotions", "triplet"): 7200.0}
    # two threads: its own softmax run; triplet scaled 1.5x from the one-thread records
    assert costs.deadline_guesses(runs, keys, "cpu (2 threads)", "cpu") == {
        ("goemotions", "softmax"): 2500.0, ("goemotions", "triplet"): 3750.0}
    # a machine without records of its own waits as long as the slowest of its kind
    assert costs.deadline_guesses(runs, keys, "cpu (4 threads)", "cpu") == {
        ("goemotions", "softmax"): 4800.0, ("goemotions", "triplet"): 7200.0}


def test_a_gpu_deadline_looks_up_each_objective_once(monkeypatch):
    costs = costs_module()
    runs = [("goemotions", "softmax", "cuda", 200.0)]
    seen = []
    real = costs.estimate
    monkeypatch.setattr(costs, "estimate", lambda *a, **k: seen.append(a[1:4]) or real(*a, **k))
    keys = {("goemotions", "softmax"), ("dair_emotion", "triplet")}
    assert costs.deadline_guesses(runs, keys, "cuda", "cuda") == {("goemotions", "softmax"): 200.0}
    assert sorted(seen) == [("dair_emotion", "triplet", "cuda"), ("goemotions", "softmax", "cuda")]


def test_the_deadline_stretches_each_run_to_the_epoch_cap():
    records = module("campaign_records")
    timings = {"load_data": 1.0, "prepare": 9.0, "evaluate": 20.0}
    # stopped early after 4 of 10 epochs: 30 s fixed + 4 x 100 s; all 10 would take 1030 s
    early = {"timings": {**timings, "total": 430.0, "train": 380.0},
             "training": {"curve": [{}] * 4}}
    assert records.capped(early, 10) == 1030.0
    # resumed after 2 epochs (on another thread count): "total" is the last process's 8
    resumed = {"timings": {**timings, "total": 830.0, "train": 1500.0},
               "training": {"curve": [{}] * 10, "resumed_after_epochs": [2]}}
    assert records.capped(resumed, 10) == 1030.0
    # nothing to stretch by: no cap, or a record without a curve
    assert records.capped(early, None) is None
    assert records.capped({"timings": {"total": 5.0}}, 10) is None


def test_finished_runs_for_the_deadline_are_stretched_to_their_cap(tmp_path):
    driver, records = load_driver(), module("campaign_records")
    cell = ("dair_emotion", "softmax", 0)
    folder = fake_run(tmp_path, driver, cell, complete=True, total=430.0)
    (folder / "config.json").write_text(json.dumps({"identity": driver.identity(*cell),
                                                    "epochs": 10}))
    (folder / "metrics.json").write_text(json.dumps({
        "timings": {"total": 430.0, "train": 380.0, "prepare": 30.0},
        "training": {"curve": [{}] * 4}}))
    ident = {cell: driver.identity(*cell)}
    done = driver.scan_runs(tmp_path)[0]
    assert records.finished(ident, done) == [(*cell[:2], "cpu", 430.0)]
    assert records.finished(ident, done, full=True) == [(*cell[:2], "cpu", 1030.0)]


def test_a_driver_limited_to_one_objective_times_it_from_the_others(tmp_path):
    # `--losses triplet` alone: GoEmotions softmax's 5000 s says a triplet run cannot end
    # within 1000 s (before, only the selected cells' records were read, and with none the
    # driver guessed 300 s and started it)
    driver = load_driver()
    fake_run(tmp_path, driver, ("goemotions", "softmax", 0), complete=True, total=5000.0)
    env = {**os.environ, "BENCH_DATA_DIR": str(tmp_path / "no-data")}
    out = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path), "--datasets",
                          "goemotions", "--losses", "triplet", "--seeds", "1", "--threads", "1",
                          "--deadline", "1000"], capture_output=True, text=True, env=env,
                         timeout=120).stdout
    assert "deadline: 1 cells left for the next lease" in out
    assert not list(tmp_path.glob("goemotions-triplet-*"))


def test_a_resumable_run_has_only_its_remaining_epochs_to_wait_for(tmp_path):
    folders = module("campaign_folders")
    driver = load_driver()
    cell = ("goemotions", "triplet", 0)
    folder = fake_run(tmp_path, driver, cell, complete=False, curve=[{}] * 8)
    assert folders.share_left(folder) == 1.0  # no cap in its config: wait for a whole run
    (folder / "config.json").write_text(json.dumps({"identity": driver.identity(*cell),
                                                    "epochs": 10}))
    assert abs(folders.share_left(folder) - 0.2) < 1e-12
    assert folders.share_left(None) == 1.0


def test_late_by_projects_the_runs_own_pace_past_the_deadline():
    costs = costs_module()
    # epochs ended at 100, 150, 200 s: 50 s each after start-up; 4 more end at 400 s
    assert costs.late_by([100.0, 150.0, 200.0], 4, 350.0) == 50.0
    assert costs.late_by([100.0, 150.0, 200.0], 4, 450.0) == -50.0
    assert costs.late_by([100.0, 150.0, 200.0], 0, 150.0) == 50.0  # its test scoring aside
    assert costs.late_by([100.0], 9, 101.0) == 0.0  # one epoch is start-up, not a pace
    assert costs.late_by([], 9, 0.0) == 0.0


def test_epochs_left_waits_for_early_stopping_and_stops_at_the_cap():
    costs = costs_module()

    def left(done: int, bad: int | None = 0, *, likely: int | None = 8, cap: int | None = 10,
             patience: int | None = 2, stopped: bool = False) -> int:
        result = {"curve": [{}] * done, "stopped_early": stopped}
        if bad is not None:
            result["bad_epochs"] = bad
        return costs.epochs_left(result, cap=cap, patience=patience, likely=likely)

    assert left(3) == 5  # as long as the longest finished run
    assert left(8) == 2  # it just improved at the longest run's last epoch: 2 more at least
    assert left(8, 1) == 1
    assert left(9) == 1  # never past its cap
    assert left(6, 2, stopped=True) == 0  # early stopping ended it: only test scoring is left
    assert left(6, 2) == 0  # patience used up
    assert left(10) == 0  # at its cap
    assert left(3, likely=None) == 7  # no finished run of its objective: its cap
    assert left(9, None, patience=None) == 0  # an older checkpoint: the longest run alone
    assert left(3, cap=None) == 5
    assert left(0) == 8 and left(0, likely=None, cap=None) == 2


def test_longest_finished_run_per_objective_covers_the_same_texts(tmp_path):
    driver, records = load_driver(), module("campaign_records")
    cells = {("goemotions", "supcon", 0): 10, ("goemotions", "supcon", 1): 7,
             ("dair_emotion", "triplet", 0): 5}
    for cell, epochs in cells.items():
        folder = fake_run(tmp_path, driver, cell, complete=True)
        (folder / "metrics.json").write_text(json.dumps({
            "timings": {"total": 1.0, "train": 1.0}, "training": {"curve": [{}] * epochs}}))
    ident = {c: driver.identity(*c) for c in cells}
    most = records.longest(ident, driver.scan_runs(tmp_path)[0])
    assert most[("goemotions", "supcon")] == 10
    assert most[("goemotions_ekman", "supcon")] == 10  # Ekman trains on the same texts
    assert most[("dair_emotion", "triplet")] == 5
    assert ("tweeteval_emotion", "triplet") not in most


FAKE_RUN = """
import json, signal, sys, time
from pathlib import Path
folder = Path(sys.argv[1])
def stop(*_):
    (folder / "status.json").write_text(json.dumps({"status": "interrupted"}))
    sys.exit(130)
signal.signal(signal.SIGINT, stop)
(folder / "checkpoint").mkdir()
curve = []
for epoch in range(1, 11):
    time.sleep(0.6)
    curve.append({"epoch": epoch, "dev_macro_f1": 0.5, "train_loss": 1.0, "seconds": 0.6})
    (folder / "checkpoint" / "state.json").write_text(json.dumps({"result": {"curve": curve}}))
"""


def test_a_run_too_slow_for_the_deadline_is_interrupted_at_its_own_pace(tmp_path, monkeypatch,
                                                                         capsys):
    # the records said a run takes 1 s; this machine takes 0.6 s an epoch, and 10 epochs (the
    # longest finished run) cannot end within the 4 s deadline: interrupted after two epochs
    folders = module("campaign_folders")
    driver, engine = load_driver(), module("campaign_driver")
    done = fake_run(tmp_path, driver, ("tweeteval_emotion", "softmax", 0), complete=True,
                    total=1.0)
    (done / "metrics.json").write_text(json.dumps({
        "timings": {"total": 1.0, "train": 1.0}, "training": {"curve": [{}] * 10}}))
    cell = ("tweeteval_emotion", "softmax", 1)

    def launch(c, resume, out, env):
        folder = out / f"{c[0]}-{c[1]}-finetune-s{c[2]}-20261203-000000-abcdef"
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"identity": driver.identity(*c),
                                                        "epochs": 10}))
        (out / folders.log_name(c)).write_text("")
        return subprocess.Popen([sys.executable, "-c", FAKE_RUN, str(folder)])

    monkeypatch.setattr(engine, "launch", launch)
    monkeypatch.setattr(sys, "argv", ["campaign_v2.py", "--out", str(tmp_path), "--datasets",
                                      "tweeteval_emotion", "--losses", "softmax", "--seeds", "2",
                                      "--deadline", "4"])
    assert driver.main() == 0
    out = capsys.readouterr().out
    assert f"late: {cell} would end" in out and "10 epochs); left for a later driver" in out
    assert "1 interrupted as late, 0 not started" in out
    folder = next(tmp_path.glob("tweeteval_emotion-softmax-finetune-s1-*"))
    assert json.loads((folder / "status.json").read_text())["status"] == "interrupted"
    curve = json.loads((folder / "checkpoint" / "state.json").read_text())["result"]["curve"]
    assert 2 <= len(curve) < 5  # stopped soon after its pace showed, not at the deadline


def test_a_thread_count_without_the_objective_scales_its_runs_on_another():
    costs = costs_module()
    runs = [("dair_emotion", "softmax", "cpu (1 thread)", 1000.0),
            ("dair_emotion", "softmax", "cpu (2 threads)", 600.0),
            ("dair_emotion", "triplet", "cpu (1 thread)", 2000.0),
            ("dair_emotion", "triplet", "cpu (2 threads)", 10000.0),  # an outlier objective
            ("goemotions", "softmax", "cpu (1 thread)", 4000.0),
            ("goemotions", "softmax", "cpu (2 threads)", 2800.0),
            ("goemotions_ekman", "triplet", "cpu (1 thread)", 9000.0),
            ("goemotions_ekman", "triplet", "cpu (1 thread)", 10000.0)]
    # two threads took 0.6x, 5x and 0.7x one thread's time: the median 0.7 times Ekman
    # triplet's one-thread runs, not GoEmotions softmax times dair triplet's 16.7x slowdown
    wall, source = costs.estimate(runs, "goemotions_ekman", "triplet", "cpu (2 threads)")
    assert (round(wall, 6), source) == (7000.0, "2 runs on cpu (1 thread), x0.70")
    wall, source = costs.estimate(runs, "goemotions", "triplet", "cpu (2 threads)", max)
    assert (round(wall, 6), source) == (7000.0, "2 runs of goemotions_ekman on cpu (1 thread), "
                                                "x0.70")
    assert abs(costs.thread_ratio(runs, "cpu (1 thread)", "cpu (2 threads)") - 1 / 0.7) < 1e-9
    # its own runs on this thread count still come first; a GPU never borrows a CPU's
    assert costs.estimate(runs, "dair_emotion", "triplet", "cpu (2 threads)") == (
        10000.0, "1 run")
    assert costs.other_threads(runs, "goemotions_ekman", "triplet", "cuda", max) is None
    # no pair ran on both thread counts: nothing to scale by, the objective scaling stays
    apart = [r for r in runs if r[:2] != ("dair_emotion", "triplet")
             and r[0] != "goemotions" and r[1:3] != ("softmax", "cpu (1 thread)")]
    assert costs.thread_ratio(apart, "cpu (2 threads)", "cpu (1 thread)") is None
    assert costs.other_threads(apart, "goemotions_ekman", "triplet", "cpu (2 threads)",
                               max) is None
