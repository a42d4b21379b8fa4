"""Runs side by side, with intervals: which differences are larger than the noise.

Each estimate carries a 95% bootstrap interval: Comp@k and Pass@k resample tasks (their per-task unbiased
pass@k values), the geometric-mean speedup resamples passing answers. A run's cell is marked higher or lower
than the first run's when the two intervals do not overlap; overlapping intervals are no evidence of a
difference and are left unmarked.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from multikernelbench.intervals import bootstrap_interval, geometric_mean
from multikernelbench.metrics import TOTAL, pass_at_k, speedup_over
from multikernelbench.records import EvalRecord, StoredVerdict


@dataclass(frozen=True)
class Estimate:
    """A value with its interval; all None when undefined (no answers, or fewer than k for a task)."""

    value: float | None
    low: float | None = None
    high: float | None = None

    def against(self, reference: Estimate) -> int:
        """+1 when this interval lies wholly above ``reference``'s, -1 wholly below, 0 otherwise."""
        if None in (self.low, self.high, reference.low, reference.high):
            return 0
        if self.low > reference.high:  # type: ignore[operator]
            return 1
        if self.high < reference.low:  # type: ignore[operator]
            return -1
        return 0


def _at_k(verdicts: Sequence[StoredVerdict], k: int, succeeded: Callable[[EvalRecord], bool]) -> Estimate:
    by_task: dict[str, list[EvalRecord]] = {}
    for v in verdicts:
        by_task.setdefault(v.task, []).append(v.record)
    if not by_task or k < 1 or min(len(r) for r in by_task.values()) < k:
        return Estimate(None)
    per_task = [pass_at_k(len(records), sum(1 for r in records if succeeded(r)), k) for records in by_task.values()]
    interval = bootstrap_interval(per_task, statistics.fmean)
    return Estimate(statistics.fmean(per_task), *(interval or (None, None)))


def pass_estimate(verdicts: Sequence[StoredVerdict], k: int) -> Estimate:
    """Pass@k over the tasks of ``verdicts`` (one verdict per task and sample), with its interval."""
    return _at_k(verdicts, k, lambda r: r.passed)


def compile_estimate(verdicts: Sequence[StoredVerdict], k: int) -> Estimate:
    """Compilation@k, with its interval."""
    return _at_k(verdicts, k, lambda r: r.compiled)


def geomean_estimate(verdicts: Sequence[StoredVerdict], baseline: str) -> Estimate:
    """The geometric mean of the passing answers' speedups over ``baseline``, with its interval."""
    speeds = [s for v in verdicts if v.record.passed and (s := speedup_over(v.record, baseline)) is not None and s > 0]
    if not speeds:
        return Estimate(None)
    interval = bootstrap_interval(speeds, geometric_mean)
    return Estimate(geometric_mean(speeds), *(interval or (None, None)))


@dataclass(frozen=True)
class ComparisonRow:
    """One category's estimates of one metric, a cell per run, each marked against the first run's."""

    group: str
    cells: tuple[Estimate, ...]
    marks: tuple[int, ...]  # marks[0] is always 0: the first run is the reference


METRICS = ("compilation", "pass", "geomean")


def compare(verdicts: Sequence[Sequence[StoredVerdict]], k: int, baseline: str) -> dict[str, list[ComparisonRow]]:
    """metric -> rows (categories, then ``"all"``) comparing the runs, in the order given."""
    categories = sorted({v.category for run in verdicts for v in run})
    estimators: dict[str, Callable[[Sequence[StoredVerdict]], Estimate]] = {
        "compilation": lambda vs: compile_estimate(vs, k),
        "pass": lambda vs: pass_estimate(vs, k),
        "geomean": lambda vs: geomean_estimate(vs, baseline),
    }
    table: dict[str, list[ComparisonRow]] = {metric: [] for metric in METRICS}
    for group in [*categories, TOTAL]:
        chosen = [[v for v in run if group == TOTAL or v.category == group] for run in verdicts]
        for metric, estimate in estimators.items():
            cells = tuple(estimate(run) for run in chosen)
            marks = tuple(cell.against(cells[0]) if i else 0 for i, cell in enumerate(cells))
            table[metric].append(ComparisonRow(group, cells, marks))
    return table
