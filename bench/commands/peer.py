"""`bench peer setfit`: a published few-shot method, on the same encoder, split and records.

A complete record with the same configuration identity under --output-dir is not run again,
so a campaign of peer runs resumes by rerunning its commands (as `bench grid` does).
"""

from __future__ import annotations

import argparse

from bench.commands.configs import config_from_args
from bench.commands.run import add_run_options
from bench.errors import BenchError
from bench.peers import PEERS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("peer", choices=PEERS, help="which peer: setfit (Tunstall et al. 2022)")
    add_run_options(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--iterations", type=int, default=20,
                   help="R: pair-generation iterations, one positive and one negative pair per "
                        "training example each (SetFit's num_iterations)")
    p.add_argument("--backend", choices=("setfit", "builtin"), default="setfit",
                   help="setfit: the setfit package (pip install '.[peers]'); builtin: this "
                        "suite's implementation of the same procedure "
                        "(bench/peers/setfit_builtin.py)")
    p.add_argument("--run-id", help="name of the run folder (default: generated, unique)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def configs(args: argparse.Namespace):
    from bench.peers.record import peer_config
    from bench.peers.setfit import SetFitOptions

    if args.mode != "finetune":
        raise BenchError(f"bench peer {args.peer} fine-tunes the encoder (its published "
                         f"procedure); --mode must be finetune, but got {args.mode=}")
    try:
        opts = SetFitOptions(iterations=args.iterations, backend=args.backend)
    except ValueError as exc:  # "iterations must be >= 1, but got ..." as a usage error
        from bench.checks import usage_error

        raise usage_error(exc) from None
    cfg = config_from_args(args, loss=args.peer)
    return cfg, opts, peer_config(cfg, opts)


def handle(args: argparse.Namespace) -> int:
    from bench.commands.grid import completed_identities
    from bench.commands.run import summary_table
    from bench.peers.record import run_setfit
    from bench.validate_commands import validate_peer

    cfg, opts, stated = configs(args)
    validate_peer(cfg, opts.backend)
    if stated.identity_hash() in completed_identities(cfg.output_dir):
        print(f"peer {args.peer}: a complete record of this configuration is already in "
              f"{cfg.output_dir}; nothing to do")
        return 0
    out = run_setfit(cfg, opts, progress=not args.quiet)
    print(summary_table(out.metrics))
    print(f"run record: {out.run_dir}")
    return 0
