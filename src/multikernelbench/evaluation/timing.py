"""Timing a candidate and its eager baseline the same way, in the same worker.

Warm-up calls first, then trials that alternate candidate and baseline (so
drift in clock speed or machine load hits both alike) over rotating input
sets, until enough trials are taken and the time budget is spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from multikernelbench.backends.base import Backend


@dataclass(frozen=True)
class TimingPlan:
    """How long and how often to time."""

    warmup: int = 3
    min_trials: int = 10
    max_trials: int = 100
    budget_s: float = 2.0


def time_pair(
    backend: Backend,
    candidate: Callable[..., Any],
    baseline: Callable[..., Any],
    input_sets: Sequence[Sequence[Any]],
    plan: TimingPlan,
) -> tuple[list[float], list[float]]:
    """Per-trial milliseconds for ``candidate`` and ``baseline``, each call on a rotating input set."""
    if not input_sets:
        raise ValueError("timing needs at least one input set")
    for i in range(plan.warmup):
        inputs = input_sets[i % len(input_sets)]
        candidate(*inputs)
        baseline(*inputs)
    backend.synchronize()
    candidate_ms: list[float] = []
    baseline_ms: list[float] = []
    start = time.monotonic()
    trial = 0
    while trial < plan.max_trials and (trial < plan.min_trials or time.monotonic() - start < plan.budget_s):
        inputs = input_sets[trial % len(input_sets)]
        backend.flush_cache()
        candidate_ms.append(backend.time_call(lambda: candidate(*inputs)))
        backend.flush_cache()
        baseline_ms.append(backend.time_call(lambda: baseline(*inputs)))
        trial += 1
    return candidate_ms, baseline_ms
