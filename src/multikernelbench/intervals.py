"""Confidence intervals for speedups, from the timing samples alone (no numpy, deterministic).

A speedup is a ratio of two medians (baseline over candidate). Its interval is
a percentile bootstrap: both sample lists are resampled independently, the
ratio of medians taken each time, and the central 95% kept. The resampling is
seeded, so the same samples always give the same interval.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence

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

