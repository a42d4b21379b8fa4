"""Numbers computed from verdicts: the paper's Compilation@k, Pass@k and SpeedUp_alpha@k, plus fast_p and speedups.

Definitions (n answers to a task, c of them "succeed"):

- ``pass_at_k(n, c, k) = 1 - C(n - c, k) / C(n, k)``, the unbiased estimate of the chance that at least one of k
  answers drawn without replacement from the n succeeds. It is 1.0 when ``n - c < k`` and is computed as a
  product, never with factorials.
- Per task, for one group of answers: **Compilation@k** counts as successes the answers that compiled,
  **Pass@k** the answers that passed (correct, and no later phase failed), **SpeedUp_alpha@k** the answers that
  passed *and* are strictly faster than ``alpha`` times the baseline (``speedup > alpha``). The baseline is
  ``"eager"`` (``EvalRecord.speedup``) or ``"compile"`` (``EvalRecord.speedup_compile``); an answer without a
  speedup for that baseline is never fast.
- A group's metric is the mean of its tasks' estimates. When any task of the group has fewer than k answers,
  or k < 1, the metric is None (shown as "-"): a biased number would look like a real one.
- **fast_p** (KernelBench): the fraction of all answers of the group (every sample of every task) that passed
  with ``speedup > p``; ``fast_0`` is the plain pass rate (answers without a timing count there too).
- **Geometric-mean speedup**: over the group's passing answers that have a (positive) speedup for the baseline;
  None when there is none.
- **What could be measured**: a group whose answers were all evaluated build-only (no device) has no Pass@k
  or fast_0, and one with no answer timed natively (build-only, or interpreted kernels) has no SpeedUp@k or
  fast_p for p > 0: None, not a 0 that would read as a failure.
- **Turns** (feedback rounds): a (task, sample) pair may have verdicts at turns 1..N. At turn t, each pair
  counts with its best verdict among turns <= t (see :func:`verdicts_at_turn`); by default metrics use every
  turn, i.e. the best verdict the pair ever got.

Groups are the categories, sorted, followed by ``"all"`` (every task of the run).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from multikernelbench.records import EvalRecord
from multikernelbench.records import StoredVerdict

TOTAL = "all"
BASELINES = ("eager", "compile")
DEFAULT_ALPHAS = (1.0,)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of the chance that at least one of k answers out of n (c successful) succeeds."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if k > n:
        raise ValueError(f"k={k} is more than the n={n} answers")
    if c < 0 or c > n:
        raise ValueError(f"c={c} successes is not between 0 and n={n}")
    if n - c < k:
        return 1.0  # every draw of k answers contains a success
    # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i): stays in [0, 1], no big integers.
    failure = 1.0
    for i in range(n - c + 1, n + 1):
        failure *= 1.0 - k / i
    return 1.0 - failure


def speedup_over(record: EvalRecord, baseline: str) -> float | None:
    """The record's speedup over ``baseline`` ("eager" or "compile"), or None when it was not measured."""
    if baseline == "eager":
        return record.speedup
    if baseline == "compile":
        return record.speedup_compile
    raise ValueError(f"unknown baseline {baseline!r}; expected one of {', '.join(BASELINES)}")


def is_fast(record: EvalRecord, baseline: str, alpha: float) -> bool:
    """Passed and strictly more than ``alpha`` times faster than the baseline (a missing speedup is not fast)."""
    if not record.passed:
        return False
    speedup = speedup_over(record, baseline)
    return speedup is not None and speedup > alpha


def _verdict_rank(v: StoredVerdict) -> tuple[bool, bool, float, bool, int]:
    speedup = v.record.speedup
    return (v.record.passed, speedup is not None, speedup if speedup is not None else 0.0, v.record.compiled, v.turn)


def verdicts_at_turn(verdicts: Iterable[StoredVerdict], turn: int | None = None) -> list[StoredVerdict]:
    """Per (task, sample), the best verdict among turns <= ``turn`` (None: all turns); pairs without one are absent.

    Best means: passed before not passed, then the higher eager speedup (a missing one lowest), then compiled
    before not compiled, then the later turn. The result is sorted by category, task and sample.
    """
    if turn is not None and turn < 1:
        raise ValueError(f"turn must be at least 1, got {turn}")
    best: dict[tuple[str, int], StoredVerdict] = {}
    for v in verdicts:
        if turn is not None and v.turn > turn:
            continue
        key = (v.task, v.sample)
        if key not in best or _verdict_rank(v) > _verdict_rank(best[key]):
            best[key] = v
    return sorted(best.values(), key=lambda v: (v.category, v.task, v.sample))


def last_turn(verdicts: Iterable[StoredVerdict]) -> int:
    """The highest turn with a verdict (0 when there are none)."""
    return max((v.turn for v in verdicts), default=0)


@dataclass(frozen=True)
class MetricRow:
    """One group's metrics (a category, or ``"all"``) at one k and turn; None means undefined (shown as "-")."""

    group: str
    k: int
    turn: int | None  # None: the best verdict over every turn
    tasks: int
    answers: int
    min_samples: int  # fewest answers any task of the group has; k above it makes the @k metrics None
    comp_at_k: float | None
    pass_at_k: float | None
    speedup_at_k: dict[tuple[str, float], float | None]  # (baseline, alpha) -> SpeedUp_alpha@k
    fast_p: dict[tuple[str, float], float | None]  # (baseline, p) -> fast_p
    geomean_speedup: dict[str, float | None]  # baseline -> geometric mean over passing answers
    flagged: int = 0  # answers the integrity checks flagged (whether or not that failed them)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types only: tuple-keyed maps become lists of objects."""
        return {
            "group": self.group,
            "k": self.k,
            "turn": self.turn,
            "tasks": self.tasks,
            "answers": self.answers,
            "min_samples": self.min_samples,
            "compilation_at_k": self.comp_at_k,
            "pass_at_k": self.pass_at_k,
            "speedup_at_k": [{"baseline": b, "alpha": a, "value": v} for (b, a), v in self.speedup_at_k.items()],
            "fast_p": [{"baseline": b, "p": p, "value": v} for (b, p), v in self.fast_p.items()],
            "geomean_speedup": dict(self.geomean_speedup),
            "flagged": self.flagged,
        }


def compute_metrics(
    verdicts: Iterable[StoredVerdict],
    k: int = 1,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    baselines: Sequence[str] = BASELINES,
    turn: int | None = None,
) -> list[MetricRow]:
    """One row per category (sorted), then the ``"all"`` row, which is there even when there are no verdicts.

    fast_p is reported for p = 0, 1 and every alpha (fast_1 is KernelBench's headline number).
    """
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline {unknown[0]!r}; expected one of {', '.join(BASELINES)}")
    chosen = verdicts_at_turn(verdicts, turn)
    by_category: dict[str, list[StoredVerdict]] = {}
    for v in chosen:
        by_category.setdefault(v.category, []).append(v)
    groups = [(category, by_category[category]) for category in sorted(by_category)] + [(TOTAL, chosen)]
    ps = sorted({0.0, 1.0, *(float(a) for a in alphas)})
    return [_group_metrics(name, group, k, tuple(float(a) for a in alphas), tuple(baselines), ps, turn)
            for name, group in groups]


def _group_metrics(name: str, verdicts: list[StoredVerdict], k: int, alphas: tuple[float, ...],
                   baselines: tuple[str, ...], ps: list[float], turn: int | None) -> MetricRow:
    by_task: dict[str, list[EvalRecord]] = {}
    for v in verdicts:
        by_task.setdefault(v.task, []).append(v.record)
    min_samples = min((len(records) for records in by_task.values()), default=0)
    defined = bool(by_task) and k >= 1 and min_samples >= k

    def at_k(succeeded: Any) -> float | None:
        if not defined:
            return None
        return statistics.fmean(pass_at_k(len(rs), sum(1 for r in rs if succeeded(r)), k) for rs in by_task.values())

    records = [v.record for v in verdicts]
    # What the group's verdicts could measure: build-only ones no correctness, interpreted ones no speed.
    # A metric nothing could measure is undefined ("-"), never a 0 that reads as a failure.
    checked = any(r.mode != "build_only" for r in records)
    timed = any(r.mode == "native" for r in records)

    def fraction(p: float, baseline: str) -> float | None:
        if not records or not (checked if p == 0 else timed):
            return None
        # p = 0 is the pass rate: answers without a timing still passed.
        hits = sum(1 for r in records if (r.passed if p == 0 else is_fast(r, baseline, p)))
        return hits / len(records)

    def geomean(baseline: str) -> float | None:
        # A speedup of 0 (a zero baseline time) has no logarithm; such a timing is meaningless anyway.
        values = [s for r in records if r.passed and (s := speedup_over(r, baseline)) is not None and s > 0]
        return math.exp(statistics.fmean(math.log(s) for s in values)) if values else None

    return MetricRow(
        group=name,
        k=k,
        turn=turn,
        tasks=len(by_task),
        answers=len(records),
        min_samples=min_samples,
        comp_at_k=at_k(lambda r: r.compiled),
        pass_at_k=at_k(lambda r: r.passed) if checked else None,
        speedup_at_k={(b, a): at_k(lambda r, b=b, a=a: is_fast(r, b, a)) if timed else None
                      for b in baselines for a in alphas},
        fast_p={(b, p): fraction(p, b) for b in baselines for p in ps},
        geomean_speedup={b: geomean(b) for b in baselines},
        flagged=sum(1 for r in records if r.integrity_flags and r.integrity != "off"),
    )
