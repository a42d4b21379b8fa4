"""Building a report from a store: run selection, per-turn metrics, user errors and notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.report import build_report, load_report
from tests.report import make_store, run_info, verdict

TWO_TURNS = [
    verdict("relu", "activation", 0, turn=1, passed=False),
    verdict("relu", "activation", 0, turn=2, speedup=2.0),
    verdict("sum", "reduce", 0, turn=1, speedup=0.5),
]


def test_all_runs_by_default_in_store_order_and_named_runs_in_the_order_given(tmp_path: Path) -> None:
    path = make_store(tmp_path / "r.sqlite", [(run_info("first"), TWO_TURNS), (run_info("second"), TWO_TURNS[:1])])
    assert [r.info.name for r in load_report(path).runs] == ["first", "second"]
    assert [r.info.name for r in load_report(path, ["second", "first", "second"]).runs] == ["second", "first"]


def test_headline_uses_every_turn_and_by_turn_has_each_turn(tmp_path: Path) -> None:
    path = make_store(tmp_path / "r.sqlite", [(run_info("a"), TWO_TURNS)])
    (run,) = load_report(path).runs
    assert run.turns == 2 and len(run.by_turn) == 2
    assert run.total.pass_at_k == 1.0
    assert run.by_turn[0][-1].pass_at_k == 0.5 and run.by_turn[1][-1].pass_at_k == 1.0
    assert [r.group for r in run.rows] == ["activation", "reduce", "all"]


def test_turn_cap_limits_headline_and_turn_rows() -> None:
    report = build_report([(run_info("a"), TWO_TURNS)], turn=1)
    (run,) = report.runs
    assert run.total.pass_at_k == 0.5 and len(run.by_turn) == 1
    assert report.notes() == []
    beyond = build_report([(run_info("a"), TWO_TURNS)], turn=5)
    assert beyond.runs[0].total.pass_at_k == 1.0 and len(beyond.runs[0].by_turn) == 2
    assert beyond.notes() == ["--turn 5 is past the last turn of run 'a': its numbers use every turn it has"]


def test_missing_store_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "results.sqlite"
    with pytest.raises(UserError, match="no results store at .*run 'mkb run' first"):
        load_report(path)
    assert not path.exists() and not path.parent.exists()


def test_empty_store_is_an_error(tmp_path: Path) -> None:
    path = make_store(tmp_path / "r.sqlite", [])
    with pytest.raises(UserError, match=r"no runs in .*r\.sqlite; run 'mkb run' first"):
        load_report(path)


def test_unknown_run_lists_the_known_ones(tmp_path: Path) -> None:
    path = make_store(tmp_path / "r.sqlite", [(run_info("alpha"), []), (run_info("beta"), [])])
    with pytest.raises(UserError, match="unknown run 'gamma'.*known runs: alpha, beta"):
        load_report(path, ["alpha", "gamma"])


def test_notes_explain_undefined_cells() -> None:
    one_sample = [verdict("relu", "activation")]
    report = build_report([(run_info("a"), one_sample), (run_info("b"), []), (run_info("c"), one_sample)], k=2)
    assert report.notes() == [
        "no verdicts yet in run 'b': its cells show '-'",
        ("--k 2 needs 2 answers per task, but some tasks have fewer in run 'a' (1), 'c' (1): the @k cells show '-'; "
         "use a smaller --k or more --samples"),
    ]
    assert build_report([(run_info("a"), one_sample)], k=0).notes() == [
        "k must be at least 1 (got --k 0): the @k cells show '-'"]
    assert build_report([(run_info("a"), one_sample)], k=1).notes() == []


def test_runs_sharing_model_strategy_and_backend_are_found() -> None:
    report = build_report([(run_info("a", model="x"), []), (run_info("b", model="x"), []),
                           (run_info("c", model="x", backend="triton"), []), (run_info("d", model="y"), [])])
    assert report.shared_identity() == {"a", "b"}


def test_repeated_alphas_are_dropped_in_order() -> None:
    assert build_report([(run_info("a"), [])], alphas=(2, 1.5, 2.0)).alphas == (2.0, 1.5)
