"""One mapping from parsed options to RunConfig (bench/commands/configs.py) for every command."""

from __future__ import annotations

import pytest

from bench.cli import build_parser
from bench.commands import lowres, peer, sweep
from bench.commands.configs import config_from_args
from bench.errors import BenchError, UsageError

# a non-default value for every option that maps onto a RunConfig field
NON_DEFAULT = {
    "--dataset": "dair_emotion", "--mode": "frozen", "--encoder": "tiny", "--pooling": "cls",
    "--max-length": "64", "--max-train": "100", "--text-column": "t", "--label-column": "l",
    "--label-sep": ";", "--dev-file": "d.csv", "--test-file": "t.csv", "--device": "cpu",
    "--output-dir": "elsewhere", "--seed": "7", "--epochs": "3", "--batch-size": "8",
    "--lr": "0.01", "--weight-decay": "0.5", "--embedding-dim": "16", "--patience": "4",
    "--min-steps": "9", "--head-lr-multiplier": "3", "--run-id": "r1",
}
FLAGS = {"--trust-remote-code": ("trust_remote_code", True), "--cpu-bf16": ("cpu_bf16", True),
         "--no-amp": ("amp", False), "--no-save-model": ("save_model", False),
         "--save-test-embeddings": ("save_test_embeddings", True)}


BUILDERS = {"run": config_from_args,
            "grid": lambda args: config_from_args(args, loss="softmax", dataset="x"),
            "sweep": lambda args: sweep.base_config(args, "softmax"),
            "lowres": lowres.base_config, "peer": lambda args: peer.configs(args)[0]}


def parse(*argv: str):
    return build_parser(argv[0]).parse_args(list(argv))


def same(value, text: str) -> bool:
    return str(value) == text or (isinstance(value, (int, float)) and value == float(text))


@pytest.mark.parametrize("head", [["run"], ["grid", "--datasets", "x"], ["sweep"], ["lowres"],
                                  ["peer", "setfit"]])
def test_every_option_a_command_parses_reaches_its_run_config(head):
    parser = build_parser(head[0])

    names = vars(parser.parse_args(head))

    def takes(flag: str, *value: str) -> bool:  # its own option, not a prefix of another
        dest = flag[2:].replace("-", "_")
        return dest in names and not parser.parse_known_args([*head, flag, *value])[1]

    # lowres refuses --max-train (test below); every other option must arrive
    given = {f: v for f, v in NON_DEFAULT.items()
             if takes(f, v) and not (head[0] == "lowres" and f == "--max-train")}
    flags = [f for f in FLAGS if takes(f)]
    if head[0] == "peer":  # SetFit fine-tunes; its --mode must stay finetune
        given.pop("--mode")
    args = parser.parse_args([*head, *[w for fv in given.items() for w in fv], *flags])
    cfg = BUILDERS[head[0]](args)  # the command's own path to its RunConfig
    assert len(given) >= 10 and flags
    for flag, value in given.items():
        assert same(getattr(cfg, flag[2:].replace("-", "_")), value), flag
    for flag in flags:
        field, expected = FLAGS[flag]
        assert getattr(cfg, field) is expected, flag


def test_hp_and_shots_are_parsed():
    cfg = config_from_args(parse("run", "--loss", "proxy_anchor", "--hp", "margin=0.2",
                                 "--hp", "miner=semi_hard", "--shots", "8"))
    assert cfg.loss_hparams == {"margin": 0.2, "miner": "semi_hard"}
    assert cfg.shots == 8 and cfg.amp and cfg.save_model


def test_fixed_fields_override_options():
    args = parse("sweep", "--dataset", "tweeteval_emotion", "--seed", "3")
    assert sweep.base_config(args, "supcon").loss == "supcon"
    assert config_from_args(args, loss="triplet", seed=5).seed == 5


def test_peer_takes_its_name_as_the_objective():
    cfg, opts, _ = peer.configs(parse("peer", "setfit", "--dataset", "dair_emotion",
                                      "--shots", "8", "--seed", "2"))
    assert (cfg.loss, cfg.shots, cfg.seed, opts.iterations) == ("setfit", 8, 2, 20)


def test_run_config_errors_name_the_flag():
    with pytest.raises(UsageError, match=r"^--epochs must"):
        config_from_args(parse("run", "--loss", "softmax", "--epochs", "0"))


def test_a_list_of_shots_outside_lowres_is_an_error():
    with pytest.raises(BenchError, match="--shots takes one number here"):
        config_from_args(parse("run", "--loss", "softmax", "--shots", "8,16"))


@pytest.mark.parametrize("flag", ["--max-train", "--train-fraction"])
def test_lowres_rejects_one_run_training_set_options(flag):
    args = parse("lowres", "--dataset", "dair_emotion", "--shots", "8", flag, "1")
    with pytest.raises(UsageError, match=f"bench lowres sets each run's training set.*{flag}=1"):
        lowres.base_config(args)


def test_lowres_base_leaves_the_training_set_to_each_run():
    cfg = lowres.base_config(parse("lowres", "--dataset", "dair_emotion", "--shots", "8,64",
                                   "--hp", "margin=0.1", "--min-steps", "100"))
    assert (cfg.shots, cfg.train_fraction, cfg.max_train) == (None, None, None)
    assert cfg.loss_hparams == {"margin": 0.1} and cfg.min_steps == 100


@pytest.mark.parametrize("command,option", [
    ("grid", "--dataset"), ("grid", "--loss"), ("grid", "--seed"), ("grid", "--run-id"),
    ("grid", "--resume"), ("lowres", "--seed"), ("lowres", "--loss"), ("sweep", "--trial")])
def test_one_run_options_and_abbreviations_are_errors(command, option, capsys):
    """grid has no one-run options (one --run-id for every run would collide), and no command
    reads a prefix as a longer option (`lowres --seed 7` is not `--seeds 7`, seven seeds)."""
    with pytest.raises(SystemExit):
        parse(command, "--datasets", "a.csv", option, "7") if command == "grid" else parse(
            command, option, "7")
    assert f"unrecognized arguments: {option} 7" in capsys.readouterr().err
