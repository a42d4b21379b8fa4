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
    store.save_answer("r1", "relu", 0, 1, "answer text")
    store.save_verdict("r1", "activation", 0, record("relu"))
    store.save_verdict("r1", "activation", 1, record("relu", passed=False))
    assert store.finished("r1") == {("relu", 0), ("relu", 1)}
    assert store.answer("r1", "relu", 0).text == "answer text"
    assert store.verdict("r1", "relu", 1) == record("relu", passed=False)
    assert store.verdict("r1", "relu", 0, turn=2) is None
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


def test_failed_request_is_kept_apart_and_replaced_by_a_later_answer(tmp_path: Path) -> None:
    store = Store(tmp_path / "results.sqlite")
    store.open_run(RUN)
    store.save_request_failure("r1", "relu", 0, 1, "HTTP 500 after 6 attempts", [{"role": "user", "content": "q"}])
    assert store.answer("r1", "relu", 0) is None
    assert store.failed_requests("r1") == [("relu", 0, 1, "HTTP 500 after 6 attempts")]
    store.save_answer("r1", "relu", 0, 1, "late answer", {"text": "late answer", "prompt_tokens": 7,
                                                          "completion_tokens": 3, "latency_s": 0.5})
    assert store.failed_requests("r1") == []
    assert store.answer("r1", "relu", 0).completion["prompt_tokens"] == 7
    # A failure reported after an answer exists never hides the answer.
    store.save_request_failure("r1", "relu", 0, 1, "timeout")
    assert store.answer("r1", "relu", 0).text == "late answer"
    usage = store.usage("r1")
    assert (usage.answers, usage.prompt_tokens, usage.completion_tokens, usage.mean_latency_s) == (1, 7, 3, 0.5)


def test_completion_cache_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "results.sqlite")
    assert store.cached_completion("k") is None
    store.cache_completion("k", "openai/m", "http://127.0.0.1:1/v1", {"text": "hello", "latency_s": 1.0})
    assert store.cached_completion("k") == {"text": "hello", "latency_s": 1.0}


def test_resuming_with_other_sampling_settings_is_a_user_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "results.sqlite")
    store.open_run(RunInfo("r2", "openai/m", "cpp", "add_shot", "small", {"fixed": {"temperature": 0.0}}))
    store.open_run(RunInfo("r2", "openai/m", "cpp", "add_shot", "small", {"fixed": {"temperature": 0.0}, "x": 1}))
    with pytest.raises(UserError, match="temperature 0.0 \\(now 0.7\\)"):
        store.open_run(RunInfo("r2", "openai/m", "cpp", "add_shot", "small", {"fixed": {"temperature": 0.7}}))


def test_store_written_by_the_first_release_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE runs (name TEXT PRIMARY KEY, created_at REAL NOT NULL, model TEXT NOT NULL, "
        "backend TEXT NOT NULL, strategy TEXT NOT NULL, profile TEXT NOT NULL, config_json TEXT NOT NULL);"
        "CREATE TABLE responses (run TEXT NOT NULL, task TEXT NOT NULL, sample INTEGER NOT NULL, "
        "turn INTEGER NOT NULL DEFAULT 1, response TEXT NOT NULL, created_at REAL NOT NULL, "
        "PRIMARY KEY (run, task, sample, turn));"
        "INSERT INTO runs VALUES ('r1', 0, 'solutions', 'cpp', 'none', 'small', '{}');"
        "INSERT INTO responses VALUES ('r1', 'relu', 0, 1, 'old answer', 0);"
    )
    db.commit()
    db.close()
    store = Store(path)
    assert store.answer("r1", "relu", 0).text == "old answer"
    store.save_request_failure("r1", "tanh", 0, 1, "HTTP 429")
    assert store.failed_requests("r1") == [("tanh", 0, 1, "HTTP 429")]
