"""The paper's estimators (Compilation@k, Pass@k, SpeedUp_alpha@k), fast_p, geometric means and turn selection."""

from __future__ import annotations

import json
import math

import pytest

from multikernelbench.metrics import (
    compute_metrics,
    last_turn,
    pass_at_k,
    verdicts_at_turn,
)
from tests.report import verdict


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [(5, 2, 1, 0.4), (5, 2, 2, 0.7), (5, 0, 1, 0.0), (5, 0, 3, 0.0), (5, 4, 2, 1.0), (10, 3, 5, 1 - 21 / 252),
     (1, 1, 1, 1.0), (1, 0, 1, 0.0), (3, 3, 3, 1.0)],
)
def test_pass_at_k_matches_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_equals_the_combinatorial_definition() -> None:
    for n in range(1, 13):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-12)


def test_pass_at_k_stays_finite_for_large_n() -> None:
    value = pass_at_k(100_000, 3, 1_000)
    assert 0.0 < value < 1.0
    assert value == pytest.approx(1 - math.comb(100_000 - 3, 1_000) / math.comb(100_000, 1_000))


@pytest.mark.parametrize(("n", "c", "k"), [(5, 2, 0), (5, 2, -1), (5, 2, 6), (5, 6, 1), (5, -1, 1), (0, 0, 1)])
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def _rows(verdicts, **kwargs):
    return {row.group: row for row in compute_metrics(verdicts, **kwargs)}


def test_rates_are_means_over_tasks_per_category_and_for_all() -> None:
    verdicts = [
        # relu: both compiled, one passed and is 2x faster than eager.
        verdict("relu", "activation", 0, speedup=2.0),
        verdict("relu", "activation", 1, passed=False),
        # tanh: one failed to build, one passed at exactly 1.0x (not faster: the test is strict).
        verdict("tanh", "activation", 0, compiled=False, passed=False),
        verdict("tanh", "activation", 1, speedup=1.0),
        # sum: nothing compiled.
        verdict("sum", "reduce", 0, compiled=False, passed=False),
        verdict("sum", "reduce", 1, compiled=False, passed=False),
    ]
    rows = compute_metrics(verdicts, k=1, alphas=(1.0,))
    assert [r.group for r in rows] == ["activation", "reduce", "all"]
    act, red, total = rows
    assert (act.tasks, act.answers, total.tasks, total.answers) == (2, 4, 3, 6)
    assert act.comp_at_k == pytest.approx((1.0 + 0.5) / 2)
    assert act.pass_at_k == pytest.approx((0.5 + 0.5) / 2)
    assert act.speedup_at_k[("eager", 1.0)] == pytest.approx((0.5 + 0.0) / 2)
    assert (red.comp_at_k, red.pass_at_k, red.speedup_at_k[("eager", 1.0)]) == (0.0, 0.0, 0.0)
    # "all" is the mean over tasks, not over categories.
    assert total.comp_at_k == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert total.pass_at_k == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    assert total.speedup_at_k[("eager", 1.0)] == pytest.approx(0.5 / 3)


def test_rates_at_k_2_use_the_unbiased_estimator_per_task() -> None:
    verdicts = [verdict("relu", "activation", s, passed=s < 2, speedup=3.0 if s < 2 else None) for s in range(5)]
    row = _rows(verdicts, k=2)["all"]
    assert row.pass_at_k == pytest.approx(0.7)
    assert row.speedup_at_k[("eager", 1.0)] == pytest.approx(0.7)
    assert row.comp_at_k == 1.0


def test_speedup_at_k_counts_only_strictly_faster_passing_answers_for_each_alpha() -> None:
    verdicts = [
        verdict("a", "math", speedup=1.5),  # not > 1.5
        verdict("b", "math", speedup=1.5001),
        verdict("c", "math", speedup=2.5),
        verdict("d", "math", passed=False, speedup=9.0),  # fast but wrong: never counts
        verdict("e", "math", speedup=0.9),
    ]
    row = _rows(verdicts, alphas=(1.0, 1.5, 2.0))["all"]
    assert row.speedup_at_k[("eager", 1.0)] == pytest.approx(3 / 5)
    assert row.speedup_at_k[("eager", 1.5)] == pytest.approx(2 / 5)
    assert row.speedup_at_k[("eager", 2.0)] == pytest.approx(1 / 5)
    assert row.pass_at_k == pytest.approx(4 / 5)


def test_compile_baseline_uses_its_own_speedup_and_a_missing_one_is_never_fast() -> None:
    verdicts = [
        verdict("a", "math", speedup=3.0, speedup_compile=1.2),
        verdict("b", "math", speedup=3.0),  # torch.compile baseline not measured
        verdict("c", "math", speedup=0.5, speedup_compile=2.0),
    ]
    row = _rows(verdicts, alphas=(1.0,))["all"]
    assert row.speedup_at_k[("eager", 1.0)] == pytest.approx(2 / 3)
    assert row.speedup_at_k[("compile", 1.0)] == pytest.approx(2 / 3)  # a and c, not b
    assert row.fast_p[("compile", 1.0)] == pytest.approx(2 / 3)
    assert row.geomean_speedup["compile"] == pytest.approx(math.sqrt(1.2 * 2.0))
    only_missing = _rows([verdict("b", "math", speedup=3.0)])["all"]
    assert only_missing.speedup_at_k[("compile", 1.0)] == 0.0
    assert only_missing.fast_p[("compile", 1.0)] == 0.0
    assert only_missing.geomean_speedup["compile"] is None


def test_fast_p_is_over_all_answers_and_fast_0_is_the_pass_rate() -> None:
    verdicts = [
        verdict("a", "math", 0, speedup=2.0),
        verdict("a", "math", 1, speedup=0.8),
        verdict("a", "math", 2),  # passed without a timing: counts for fast_0 only
        verdict("b", "math", 0, passed=False, speedup=5.0),
    ]
    row = _rows(verdicts, alphas=(1.5,))["all"]
    assert set(row.fast_p) == {(b, p) for b in ("eager", "compile") for p in (0.0, 1.0, 1.5)}
    assert row.fast_p[("eager", 0.0)] == pytest.approx(3 / 4)
    assert row.fast_p[("compile", 0.0)] == pytest.approx(3 / 4)
    assert row.fast_p[("eager", 1.0)] == pytest.approx(1 / 4)
    assert row.fast_p[("eager", 1.5)] == pytest.approx(1 / 4)
    assert row.fast_p[("compile", 1.0)] == 0.0


def test_geomean_covers_passing_answers_with_a_speedup_only() -> None:
    verdicts = [
        verdict("a", "math", 0, speedup=2.0),
        verdict("a", "math", 1, speedup=8.0),
        verdict("b", "math", 0, passed=False, speedup=100.0),
        verdict("b", "math", 1),  # no timing
    ]
    assert _rows(verdicts)["all"].geomean_speedup == {"eager": pytest.approx(4.0), "compile": None}
    assert _rows([verdict("a", "math", passed=False, speedup=2.0)])["all"].geomean_speedup["eager"] is None


def test_too_few_samples_for_k_gives_none_for_that_group_and_all() -> None:
    verdicts = [
        verdict("relu", "activation", 0, speedup=2.0),
        verdict("relu", "activation", 1, speedup=2.0),
        verdict("sum", "reduce", 0, speedup=2.0),  # a single answer: k=2 is undefined here
    ]
    rows = _rows(verdicts, k=2)
    assert rows["activation"].pass_at_k == 1.0 and rows["activation"].min_samples == 2
    for group in ("reduce", "all"):
        row = rows[group]
        assert row.min_samples == 1
        assert (row.comp_at_k, row.pass_at_k, row.speedup_at_k[("eager", 1.0)]) == (None, None, None)
        # Rates over answers do not depend on k and stay defined.
        assert row.fast_p[("eager", 1.0)] == 1.0 and row.geomean_speedup["eager"] == pytest.approx(2.0)


def test_k_below_one_gives_none_rather_than_an_error() -> None:
    row = _rows([verdict("relu", "activation")], k=0)["all"]
    assert (row.comp_at_k, row.pass_at_k) == (None, None)


def test_no_verdicts_still_gives_an_all_row_with_undefined_metrics() -> None:
    (row,) = compute_metrics([])
    assert (row.group, row.tasks, row.answers, row.pass_at_k) == ("all", 0, 0, None)
    assert row.fast_p[("eager", 0.0)] is None and row.geomean_speedup["eager"] is None


def test_unknown_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown baseline"):
        compute_metrics([verdict("relu", "activation")], baselines=("eager", "jit"))


def test_rows_serialise_to_json() -> None:
    row = _rows([verdict("relu", "activation", speedup=2.0)], alphas=(1.0, 2.0))["all"]
    data = json.loads(json.dumps(row.to_json()))
    assert data["pass_at_k"] == 1.0 and data["compilation_at_k"] == 1.0
    assert {"baseline": "eager", "alpha": 2.0, "value": 0.0} in data["speedup_at_k"]
    assert {"baseline": "eager", "p": 1.0, "value": 1.0} in data["fast_p"]
    assert data["geomean_speedup"] == {"eager": 2.0, "compile": None}


# ---- turns ----


def _pick(verdicts, turn=None):
    return [(v.task, v.sample, v.turn) for v in verdicts_at_turn(verdicts, turn)]


def test_a_pass_beats_a_later_failure() -> None:
    verdicts = [verdict("a", "math", turn=1, speedup=0.5), verdict("a", "math", turn=2, passed=False)]
    assert _pick(verdicts) == [("a", 0, 1)]
    # Even an untimed pass beats a failure that has a (meaningless) speedup.
    assert _pick([verdict("a", "math", turn=1), verdict("a", "math", turn=2, passed=False, speedup=5.0)]) == [
        ("a", 0, 1)]


def test_among_passes_the_higher_eager_speedup_wins_and_a_missing_one_is_lowest() -> None:
    verdicts = [verdict("a", "math", turn=1, speedup=3.0), verdict("a", "math", turn=2, speedup=1.5),
                verdict("a", "math", turn=3)]
    assert _pick(verdicts) == [("a", 0, 1)]
    assert _pick([verdict("a", "math", turn=1), verdict("a", "math", turn=2, speedup=0.1)]) == [("a", 0, 2)]


def test_among_failures_compiled_wins_then_the_later_turn() -> None:
    verdicts = [verdict("a", "math", turn=1, passed=False), verdict("a", "math", turn=2, compiled=False,
                                                                       passed=False)]
    assert _pick(verdicts) == [("a", 0, 1)]
    same = [verdict("a", "math", turn=1, passed=False), verdict("a", "math", turn=2, passed=False)]
    assert _pick(same) == [("a", 0, 2)]


def test_turn_caps_the_verdicts_considered_and_pairs_without_one_are_absent() -> None:
    verdicts = [
        verdict("a", "math", 0, turn=1, passed=False),
        verdict("a", "math", 0, turn=2, speedup=2.0),
        verdict("a", "math", 1, turn=2, speedup=2.0),  # sample 1 has no turn-1 verdict
    ]
    assert _pick(verdicts, 1) == [("a", 0, 1)]
    assert _pick(verdicts, 2) == [("a", 0, 2), ("a", 1, 2)]
    assert _pick(verdicts, 7) == _pick(verdicts) == _pick(verdicts, 2)
    assert last_turn(verdicts) == 2 and last_turn([]) == 0
    assert _rows(verdicts, turn=1)["all"].pass_at_k == 0.0
    assert _rows(verdicts)["all"].pass_at_k == 1.0
    with pytest.raises(ValueError):
        verdicts_at_turn(verdicts, 0)


def test_metrics_nothing_could_measure_are_undefined_not_zero() -> None:
    from dataclasses import replace

    interpreted = [replace(verdict(t, "math", speedup=None), record=replace(verdict(t, "math").record,
                                                                             mode="interpreter", timing_clock="interpreter"))
                   for t in ("a", "b")]
    row = _rows(interpreted, alphas=(1.0,))["all"]
    assert row.comp_at_k == 1.0 and row.pass_at_k == 1.0 and row.fast_p[("eager", 0.0)] == 1.0
    assert row.speedup_at_k[("eager", 1.0)] is None and row.fast_p[("eager", 1.0)] is None
    built = [replace(v, record=replace(v.record, mode="build_only", correctness=False, failed_phase="check"))
             for v in (verdict("a", "math"), verdict("b", "math", compiled=False))]
    row = _rows(built, alphas=(1.0,))["all"]
    assert row.comp_at_k == 0.5 and row.pass_at_k is None and row.fast_p[("eager", 0.0)] is None
    assert row.speedup_at_k[("eager", 1.0)] is None
    # Native verdicts that were never timed (they failed) still give a real 0.
    failed = _rows([verdict("a", "math", passed=False)], alphas=(1.0,))["all"]
    assert failed.pass_at_k == 0.0 and failed.speedup_at_k[("eager", 1.0)] == 0.0


def test_flagged_answers_are_counted_per_category_and_fail_under_strict() -> None:
    verdicts = [verdict("relu", "activation", 0, speedup=3.0, flagged=True),
                verdict("relu", "activation", 1, speedup=2.0),
                verdict("sum", "reduce", 0, speedup=2.0)]
    rows = _rows(verdicts, k=1)
    assert (rows["activation"].flagged, rows["reduce"].flagged, rows["all"].flagged) == (1, 0, 1)
    assert rows["activation"].fast_p[("eager", 0.0)] == 0.5  # the flagged one did not pass
    assert rows["all"].to_json()["flagged"] == 1
