"""``mkb runs`` (list, rename, delete) and ``mkb show`` (one answer's story) on a synthetic store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from multikernelbench.store import Store
from tests.report import ANSWER, BUILD_LOG, make_study_store
from tests.support.cli import mkb


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return make_study_store(tmp_path / "results.sqlite")


def _run(store: Path, *args: str):
    return mkb(*args, "--store", str(store), cache=store.parent / "cache")


def test_runs_lists_each_run_with_its_counts(store: Path) -> None:
    result = _run(store, "runs")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip().startswith("study-")}
    assert set(rows) == {"study-a", "study-b"}
    # run, model, backend, strategy, sizes, done, passed, pending, no answer, date, time
    assert rows["study-a"][1:9] == ["openai/coder", "cpp", "add_shot", "small", "12", "10", "0", "1"]


def test_pending_counts_what_was_planned_but_has_no_verdict(store: Path) -> None:
    db = Store(store)
    try:
        db.plan("study-a", [("task9", 0), ("task9", 1)])
    finally:
        db.close()
    line = next(line for line in _run(store, "runs").stdout.splitlines() if line.strip().startswith("study-a"))
    assert line.split()[5:9] == ["12", "10", "2", "1"]


def test_runs_without_a_store_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    result = mkb("runs", "--store", str(missing), cache=tmp_path / "cache")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no results store at {missing}; run 'mkb run' first or pass --store PATH"
    assert not missing.exists()


def test_rename_moves_everything_and_refuses_a_taken_name(store: Path) -> None:
    assert _run(store, "runs", "rename", "study-a", "study-b").returncode == 2  # taken
    result = _run(store, "runs", "rename", "study-a", "first-try")
    assert result.returncode == 0 and "renamed run 'study-a' to 'first-try'" in result.stderr
    db = Store(store)
    try:
        assert [r.name for r in db.runs()] == ["first-try", "study-b"]
        assert len(db.verdicts("first-try")) == 13 and db.verdicts("study-a") == []
        assert db.exchange("first-try", "task1", 0, 2).text == ANSWER
        assert db.progress("first-try").planned == 12
    finally:
        db.close()


def test_delete_asks_first_and_removes_the_run_and_its_answers(store: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    declined = subprocess.run([sys.executable, "-m", "multikernelbench.cli", "runs", "delete", "study-a", "--store",
                               str(store)], input="n\n", capture_output=True, text=True, cwd=tmp_path)
    assert declined.returncode == 1
    result = _run(store, "runs", "delete", "study-a", "--yes")
    assert result.returncode == 0 and "deleted run 'study-a'" in result.stderr
    db = Store(store)
    try:
        assert [r.name for r in db.runs()] == ["study-b"]
        assert db.exchange("study-a", "task1", 0, 1) is None and db.progress("study-a").planned is None
        assert len(db.verdicts("study-b")) == 13  # the other run is untouched
    finally:
        db.close()
    unknown = _run(store, "runs", "delete", "nope", "--yes")
    assert unknown.returncode == 2 and "no run named 'nope'" in unknown.stderr


def test_show_tells_the_last_turn_by_default(store: Path) -> None:
    result = _run(store, "show", "study-a", "task1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("reduce/task1 sample 0 turn 2 of run 'study-a'")
    assert "verdict: pass" in out
    assert re.search(r"speedup over eager 2\.00x \[\d\.\d\dx, \d\.\d\dx\] 95% interval", out)
    assert "median 1 ms" in out and "seed 7, on Test CPU 9000" in out


def test_show_an_earlier_turn_its_log_and_its_answer(store: Path) -> None:
    failed = _run(store, "show", "study-a", "task1", "--turn", "1").stdout
    assert "verdict: fail, failed in build" in failed and "error: build failed" in failed
    assert "--turn 1 --log" in failed  # the full log is one command away
    assert _run(store, "show", "study-a", "task1", "--turn", "1", "--log").stdout.strip() == BUILD_LOG
    assert _run(store, "show", "study-a", "task1", "--answer").stdout == ANSWER + "\n"


def test_show_a_flagged_answer_names_the_check(store: Path) -> None:
    out = _run(store, "show", "study-a", "task5").stdout
    assert "verdict: flagged" in out
    assert "integrity flag (strict): runtime_torch_op at line 9 (aten::relu): PyTorch computed it" in out


@pytest.mark.parametrize(("args", "message"), [
    (("nope", "task1"), "error: no run named 'nope'"),
    (("study-a", "nope"), "error: run 'study-a' has no verdict for task 'nope'"),
    (("study-a", "task1", "--sample", "5"), "error: task 'task1' of run 'study-a' has no sample 5; its samples: 0, 1"),
    (("study-a", "task1", "--turn", "3"), "error: sample 0 of task 'task1' has no turn 3; its turns: 1, 2"),
])
def test_show_names_what_is_missing_in_one_line(store: Path, args: tuple[str, ...], message: str) -> None:
    result = _run(store, "show", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
