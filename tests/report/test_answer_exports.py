"""One row per answer for pandas users, and the published harness's result files (read back by replay)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.generation.replay import ReplaySource
from multikernelbench.report.answers import ANSWER_COLUMNS
from multikernelbench.report.published import run_folder, write_published
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.task import Task
from tests.report import ANSWER, make_study_store
from tests.support.cli import mkb

PUBLISHED_FIELDS = {"compiled", "correctness", "performance", "hardware", "cheating", "compile_info",
                    "correctness_info"}


def test_the_answers_csv_has_a_row_per_verdict_with_intervals_and_flags(tmp_path: Path) -> None:
    store = make_study_store(tmp_path / "r.sqlite")
    result = mkb("report", "--store", str(store), "--answers-csv", str(tmp_path / "answers.csv"),
                 cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    with (tmp_path / "answers.csv").open() as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == ANSWER_COLUMNS
        rows = list(reader)
    assert len(rows) == 2 * 13
    by_key = {(r["run"], r["task"], r["sample"], r["turn"]): r for r in rows}
    build = by_key[("study-a", "task1", "0", "1")]
    assert build["compiled"] == "False" and build["failed_phase"] == "build" and build["speedup"] == ""
    assert build["error"] == "build failed: 'out' was not declared"
    flagged = by_key[("study-a", "task5", "0", "1")]
    assert flagged["flagged"] == "True" and flagged["flags"] == "runtime_torch_op" and flagged["passed"] == "False"
    timed = by_key[("study-b", "task2", "1", "1")]
    assert float(timed["speedup_low"]) < float(timed["speedup"]) < float(timed["speedup_high"])
    assert timed["device"] == "Test CPU 9000" and timed["trials"] == "12" and timed["category"] == "activation"


def test_published_layout_holds_results_per_category_and_answers_replay_can_read(tmp_path: Path) -> None:
    store_path = make_study_store(tmp_path / "r.sqlite")
    store = Store(store_path)
    try:
        folders = write_published(store, store.runs(), tmp_path / "out")
    finally:
        store.close()
    first = tmp_path / "out" / "cpp" / "add_shot" / "0.0-1.0" / "coder"
    assert folders[0] == first and len(folders) == 2
    results = json.loads((first / "run0" / "result_reduce.json").read_text())
    assert set(results) == {"task1", "task3", "task5"}
    assert PUBLISHED_FIELDS <= results["task3"].keys()
    assert results["task1"]["compiled"] is True  # the last turn: the second one fixed the build
    assert results["task5"]["cheating"] is True
    assert "samples" not in results["task3"]["performance"]  # the published performance fields only
    everything = json.loads((first / "run0" / "result.json").read_text())
    assert set(everything) == {f"task{i}" for i in range(6)}
    assert (first / "run0" / "task1_turn2.txt").read_text() == ANSWER
    # The harness's own layout reads back as two samples of every task.
    source = ReplaySource(first)
    tasks = [Task(name=f"task{i}", category="x", source="", path="") for i in range(6)]
    assert source.samples == 2 and len(source.answerable(tasks)) == 6


def test_two_runs_that_would_share_a_folder_are_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.sqlite")
    try:
        runs = [RunInfo(name, "openai/coder", "cpp", "add_shot", "small", {}) for name in ("one", "two")]
        assert run_folder(runs[0]) == run_folder(runs[1])
        with pytest.raises(UserError, match="would both be written"):
            write_published(store, runs, tmp_path / "out")
        assert not (tmp_path / "out").exists()
    finally:
        store.close()
