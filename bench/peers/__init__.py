"""Peers: published few-shot methods run on the same encoder, split and records as the suite.

A peer is not a training objective (it has its own procedure), but its run record has the
suite's schema, with the objective named after the peer and `"peer": true` in config.json
and metrics.json, so `bench report` and `bench plot` put it beside the objectives.
"""

PEERS = ("setfit",)
