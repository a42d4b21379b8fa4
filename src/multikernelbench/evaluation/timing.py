"""Timing a candidate and its baselines the same way, in the same worker.

Warm-up calls first, then trials that alternate between the timed callables
(candidate, eager baseline and, when measured, the torch.compile baseline) so
drift in clock speed or machine load hits all alike, over rotating input
sets, until enough trials are taken and the time budget is spent.
"""

from __future__ import annotations

import functools
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


def time_interleaved(
    backend: Backend,
    callables: Sequence[Callable[..., Any]],
    input_sets: Sequence[Sequence[Any]],
    plan: TimingPlan,
) -> list[list[float]]:
    """Per-trial milliseconds for each callable, in the given order, each call on a rotating input set.

    Every trial calls each callable once on the same input set, so all lists have the same length.
    """
    if not input_sets:
        raise ValueError("timing needs at least one input set")
    if not callables:
        raise ValueError("timing needs at least one callable")
    for i in range(plan.warmup):
        inputs = input_sets[i % len(input_sets)]
        for fn in callables:
            fn(*inputs)
    backend.synchronize()
    samples: list[list[float]] = [[] for _ in callables]
    start = time.monotonic()
    trial = 0
    while trial < plan.max_trials and (trial < plan.min_trials or time.monotonic() - start < plan.budget_s):
        inputs = input_sets[trial % len(input_sets)]
        for fn, times in zip(callables, samples):
            backend.flush_cache()
            times.append(backend.time_call(functools.partial(fn, *inputs)))
        trial += 1
    return samples


def time_pair(
    backend: Backend,
    candidate: Callable[..., Any],
    baseline: Callable[..., Any],
    input_sets: Sequence[Sequence[Any]],
    plan: TimingPlan,
) -> tuple[list[float], list[float]]:
    """Per-trial milliseconds for ``candidate`` and ``baseline``, each call on a rotating input set."""
    candidate_ms, baseline_ms = time_interleaved(backend, [candidate, baseline], input_sets, plan)
    return candidate_ms, baseline_ms
