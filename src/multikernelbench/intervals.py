"""Confidence intervals, by seeded percentile bootstrap (no numpy, deterministic).

A speedup is a ratio of two medians (baseline over candidate). Its interval is
a percentile bootstrap: both sample lists are resampled independently, the
ratio of medians taken each time, and the central 95% kept. The resampling is
seeded, so the same samples always give the same interval. Statistics over
tasks or answers (a mean Pass@k, a geometric-mean speedup) resample those.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence

_RESAMPLES = 1000
_SEED = 20261202


def median_ratio_interval(numerator: Sequence[float], denominator: Sequence[float],
                          confidence: float = 0.95) -> tuple[float, float] | None:
    """The bootstrap interval of ``median(numerator) / median(denominator)``; None without enough samples."""
    if len(numerator) < 2 or len(denominator) < 2:
        return None
    rng = random.Random(_SEED)
    ratios = []
    for _ in range(_RESAMPLES):
        bottom = statistics.median(rng.choices(denominator, k=len(denominator)))
        if bottom > 0:
            ratios.append(statistics.median(rng.choices(numerator, k=len(numerator))) / bottom)
    if not ratios:
        return None
    ratios.sort()
    tail = (1 - confidence) / 2
    return ratios[int(tail * (len(ratios) - 1))], ratios[int((1 - tail) * (len(ratios) - 1))]



def bootstrap_interval(values: Sequence[float], statistic: Callable[[Sequence[float]], float],
                       confidence: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap interval of ``statistic(values)`` (values resampled with replacement); None with
    fewer than two values. Used for means over tasks (Pass@k) and geometric means over answers."""
    if len(values) < 2:
        return None
    rng = random.Random(_SEED)
    estimates = sorted(statistic(rng.choices(values, k=len(values))) for _ in range(_RESAMPLES))
    tail = (1 - confidence) / 2
    return estimates[int(tail * (len(estimates) - 1))], estimates[int((1 - tail) * (len(estimates) - 1))]


def geometric_mean(values: Sequence[float]) -> float:
    """The geometric mean of positive numbers."""
    return math.exp(statistics.fmean(math.log(v) for v in values))
