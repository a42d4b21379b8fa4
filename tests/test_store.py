"""The SQLite results store: runs, responses, verdicts, resumption."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.records import EvalRecord, PhaseResult, TimingStats
from multikernelbench.store import RunInfo, Store


def record(task: str, passed: bool = True) -> EvalRecord:
    return EvalRecord(
        task=task, backend="cpp", profile="small", compiled=True, correctness=passed,
        failed_phase=None if passed else "check", error=None if passed else "mismatch",
        phases=(PhaseResult("extract", True, 0.0), PhaseResult("build", True, 1.0)), seed=5,
        runtime=TimingStats.from_samples([1.0, 2.0, 3.0]), baseline=TimingStats.from_samples([2.0, 4.0, 6.0]),
        hardware={"device": "cpu"}, versions={"torch": "x"},
    )


RUN = RunInfo("r1", "solutions", "cpp", "none", "small", {"samples": 1})


def test_verdicts_round_trip_and_mark_pairs_finished(tmp_path: Path) -> None:
    store = Store(tmp_path / "deep" / "results.sqlite")
    store.open_run(RUN)
    store.save_response("r1", "relu", 0, "answer text")
    store.save_verdict("r1", "activation", 0, record("relu"))
    store.save_verdict("r1", "activation", 1, record("relu", passed=False))
    assert store.finished("r1") == {("relu", 0), ("relu", 1)}
    assert store.response("r1", "relu", 0) == "answer text"
    verdicts = store.verdicts("r1")
    assert [v.record.passed for v in verdicts] == [True, False]
    assert verdicts[0].record.speedup == pytest.approx(2.0)
    assert verdicts[0].record == record("relu")


def test_store_uses_wal_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    store = Store(path)
    store.open_run(RUN)
    store.save_verdict("r1", "activation", 0, record("relu"))
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = Store(path)
    again.open_run(RUN)
    assert again.finished("r1") == {("relu", 0)}


def test_duplicate_verdict_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "results.sqlite")
    store.open_run(RUN)
    store.save_verdict("r1", "activation", 0, record("relu"))
    with pytest.raises(sqlite3.IntegrityError):
        store.save_verdict("r1", "activation", 0, record("relu"))


def test_reusing_a_run_name_for_something_else_is_a_user_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "results.sqlite")
    store.open_run(RUN)
    other = RunInfo("r1", "solutions", "cuda", "none", "small", {})
    with pytest.raises(UserError, match="backend 'cpp' \\(now 'cuda'\\).*--run-name"):
        store.open_run(other)


def test_unusable_store_path_is_a_user_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "results.sqlite"
    not_a_db.write_text("this is not a database" * 100)
    with pytest.raises(UserError, match="cannot open the results store"):
        Store(not_a_db)
