"""`python -m bench perf`: throughput of bench's hot paths against typical baselines.

Every comparison runs in one process on the same texts, model, batch size and max length,
alternating the variants round by round (A B, then B A, ...), so a busy machine slows both
sides alike and the ratios stay meaningful even when absolute numbers are noisy.
"""

from bench.perf.common import PerfConfig
from bench.perf.harness import run_perf

__all__ = ["PerfConfig", "run_perf"]
