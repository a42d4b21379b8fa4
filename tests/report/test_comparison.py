"""Intervals for the compared metrics, and marks only where intervals do not overlap."""

from __future__ import annotations

from multikernelbench.intervals import bootstrap_interval, geometric_mean
from multikernelbench.report.comparison import Estimate, compare, geomean_estimate, pass_estimate
from tests.report import verdict


def test_an_estimate_is_marked_only_when_its_interval_is_clear_of_the_reference() -> None:
    reference = Estimate(0.5, 0.4, 0.6)
    assert Estimate(0.8, 0.7, 0.9).against(reference) == 1
    assert Estimate(0.2, 0.1, 0.3).against(reference) == -1
    assert Estimate(0.65, 0.55, 0.75).against(reference) == 0  # overlapping: no evidence
    assert Estimate(0.9).against(reference) == 0  # no interval: never marked


def test_pass_estimate_resamples_tasks_and_is_undefined_below_k() -> None:
    verdicts = [verdict(f"t{i}", "c", passed=i % 2 == 0) for i in range(10)]
    estimate = pass_estimate(verdicts, k=1)
    assert estimate.value == 0.5 and estimate.low is not None and estimate.high is not None
    assert 0.0 <= estimate.low < 0.5 < estimate.high <= 1.0
    assert pass_estimate(verdicts, k=2).value is None  # one answer per task


def test_geomean_estimate_brackets_the_geometric_mean_of_passing_answers() -> None:
    verdicts = [verdict(f"t{i}", "c", speedup=s) for i, s in enumerate((1.0, 2.0, 4.0, 8.0))]
    verdicts.append(verdict("failed", "c", passed=False))  # not counted
    estimate = geomean_estimate(verdicts, "eager")
    assert abs(estimate.value - geometric_mean([1.0, 2.0, 4.0, 8.0])) < 1e-9
    assert estimate.low <= estimate.value <= estimate.high
    assert geomean_estimate([verdict("x", "c", passed=False)], "eager").value is None


def test_compare_marks_a_clearly_better_run_and_not_a_noisy_one() -> None:
    good = [verdict(f"t{i}", "a", passed=True) for i in range(20)]
    bad = [verdict(f"t{i}", "a", passed=i == 0) for i in range(20)]
    similar = [verdict(f"t{i}", "a", passed=i != 0) for i in range(20)]
    rows = compare([good, bad, similar], k=1, baseline="eager")["pass"]
    assert [row.group for row in rows] == ["a", "all"]
    assert rows[-1].marks == (0, -1, 0)


def test_the_bootstrap_is_deterministic() -> None:
    values = [0.3, 1.2, 2.5, 0.9, 4.0]
    assert bootstrap_interval(values, geometric_mean) == bootstrap_interval(values, geometric_mean)
    assert bootstrap_interval([1.0], geometric_mean) is None
