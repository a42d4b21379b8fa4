"""Numbers computed from verdicts: per-category counts and speedups."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from multikernelbench.store import StoredVerdict

TOTAL = "all"


@dataclass(frozen=True)
class CategorySummary:
    """How one category's answers fared."""

    category: str
    answers: int
    compiled: int
    correct: int
    passed: int
    median_speedup: float | None  # over passing answers with a timing


def summarize_by_category(verdicts: Iterable[StoredVerdict]) -> list[CategorySummary]:
    """One row per category, sorted, then a row for all categories together."""
    groups: dict[str, list[StoredVerdict]] = {}
    for v in verdicts:
        groups.setdefault(v.category, []).append(v)
    rows = [_summarize(category, groups[category]) for category in sorted(groups)]
    everything = [v for category in sorted(groups) for v in groups[category]]
    if everything:
        rows.append(_summarize(TOTAL, everything))
    return rows


def _summarize(category: str, verdicts: list[StoredVerdict]) -> CategorySummary:
    speedups = [v.record.speedup for v in verdicts if v.record.passed and v.record.speedup is not None]
    return CategorySummary(
        category=category,
        answers=len(verdicts),
        compiled=sum(v.record.compiled for v in verdicts),
        correct=sum(v.record.correctness for v in verdicts),
        passed=sum(v.record.passed for v in verdicts),
        median_speedup=statistics.median(speedups) if speedups else None,
    )
