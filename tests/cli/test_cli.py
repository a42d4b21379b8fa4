"""The ``mkb`` command as a user runs it: exit codes, one-line errors, JSON output, runs and resumption."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from multikernelbench.generation.solutions import SOLUTIONS_DIR
from tests.support.cli import default_sigint, mkb

RUN_TASKS = ["relu", "sigmoid", "tanh"]


def verdict_rows(store: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT task, sample FROM verdicts ORDER BY task, sample").fetchall()


PUBLISHED_COUNTS = {
    "activation": 15, "attention": 15, "broadcast": 10, "convolution": 34, "fuse": 100, "arch": 50, "index": 12,
    "loss": 7, "math": 6, "matmul": 17, "normalization": 8, "optimizer": 5, "pooling": 6, "reduce": 5, "resize": 10,
}


def test_tasks_lists_the_published_suite_with_category_counts(build_cache: Path) -> None:
    listed = json.loads(mkb("tasks", "--json", cache=build_cache, check=True).stdout)
    counts: dict[str, int] = {}
    for t in listed:
        counts[t["category"]] = counts.get(t["category"], 0) + 1
    assert counts == PUBLISHED_COUNTS and len(listed) == 300
    relu = next(t for t in listed if t["name"] == "relu")
    assert relu["solutions"] == ["cpp", "cuda", "pallas", "triton"] and "small" in relu["profiles"]
    reduce_only = json.loads(mkb("tasks", "--category", "reduce", "--json", cache=build_cache, check=True).stdout)
    assert len(reduce_only) == 5
    table = mkb("tasks", cache=build_cache, check=True).stdout
    assert "fuse: 100" in table and "(300 tasks)" in table


def test_tasks_prints_a_task_source(build_cache: Path) -> None:
    source = mkb("tasks", "--source", "relu", cache=build_cache, check=True).stdout
    assert "class Model(nn.Module)" in source and "def get_inputs" in source


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tasks", "--category", "nope"], "unknown category"),
        (["tasks", "--source", "nope"], "unknown task 'nope'"),
        (["eval", "--task", "nope", "--response", "x"], "unknown task 'nope'"),
        (["eval", "--task", "relu", "--response", "/no/such/file"], "does not exist"),
        (["eval", "--task", "relu", "--backend", "nope", "--response", str(SOLUTIONS_DIR / "cpp" / "relu.txt")],
         "unknown backend"),
        (["eval", "--task", "relu", "--size", "huge", "--response", str(SOLUTIONS_DIR / "cpp" / "relu.txt")],
         "unknown size"),
        (["eval", "--task", "relu", "--tolerance", "loose", "--response", str(SOLUTIONS_DIR / "cpp" / "relu.txt")],
         "unknown tolerance profile"),
        (["eval", "--response", "x"], "exactly one of --task"),
        (["eval", "--task", "relu"], "Missing option '--response'"),
        (["eval", "--bogus"], "No such option"),
        (["run", "--model", "gpt-x"], "unknown model"),
        (["run", "--tasks", "selu"], "no selected task has an answer from 'solutions'"),
        (["eval", "--task", "relu", "--backend", "cuda", "--response", str(SOLUTIONS_DIR / "cuda" / "relu.txt")],
         "backend 'cuda' is unavailable: the installed torch"),
        (["eval", "--task", "relu", "--backend", "cuda", "--worker-python", "/no/python",
          "--response", str(SOLUTIONS_DIR / "cuda" / "relu.txt")], "/no/python"),
        (["baseline", "--tasks", "nope"], "unknown task 'nope'"),
    ],
)
def test_bad_arguments_exit_nonzero_with_one_line(build_cache: Path, args: list[str], message: str) -> None:
    result = mkb(*args, cache=build_cache)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_eval_json_prints_exactly_one_object(build_cache: Path) -> None:
    result = mkb("eval", "--task", "relu", "--response", str(SOLUTIONS_DIR / "cpp" / "relu.txt"), "--json",
                 "--no-compile-baseline",
                 cache=build_cache, check=True)
    data = json.loads(result.stdout)
    published = {"compiled", "correctness", "performance", "hardware", "cheating", "compile_info", "correctness_info"}
    ours = {"task", "backend", "passed", "failed_phase", "baseline_ms", "speedup"}
    assert published | ours <= data.keys()
    story = {key: data.get(key) for key in ("failed_phase", "error", "integrity_flags", "correctness_info")}
    assert data["passed"], story
    assert data["task"] == "relu" and data["backend"] == "cpp"
    assert set(data["performance"]) == {"mean", "std", "min", "max", "median", "num_trials", "samples"}
    assert len(data["performance"]["samples"]) == data["performance"]["num_trials"]
    assert data["speedup"] == pytest.approx(data["baseline_ms"] / data["performance"]["median"])


def test_eval_of_a_failing_answer_still_exits_zero(build_cache: Path, tmp_path: Path) -> None:
    response = tmp_path / "answer.txt"
    response.write_text("```python\nimport torch\nclass ModelNew(torch.nn.Module):\n"
                        "    def forward(self, x):\n        return x\n```\n")
    data = json.loads(mkb("eval", "--task", "relu", "--response", str(response), "--json",
                          cache=build_cache, check=True).stdout)
    assert not data["passed"] and data["failed_phase"] == "check" and data["compiled"]
    text = mkb("eval", "--task", "relu", "--response", str(response), "--no-timing", cache=build_cache, check=True)
    assert "FAIL in check" in text.stdout


def test_eval_a_foreign_task_file(build_cache: Path, tmp_path: Path) -> None:
    task = tmp_path / "double.py"
    task.write_text("import torch\nimport torch.nn as nn\n\nclass Model(nn.Module):\n"
                    "    def forward(self, x):\n        return x * 2\n\n"
                    "def get_inputs():\n    return [torch.randn(128)]\n\ndef get_init_inputs():\n    return []\n")
    response = tmp_path / "answer.txt"
    response.write_text("import torch\nclass ModelNew(torch.nn.Module):\n    def forward(self, x):\n        return x + x\n")
    # Plain PyTorch: flagged, and under --integrity warn still a pass.
    data = json.loads(mkb("eval", "--task-file", str(task), "--response", str(response), "--json",
                          "--integrity", "warn", cache=build_cache, check=True).stdout)
    assert data["passed"] and data["task"] == "double" and data["profile"] == "full"
    assert data["cheating"] is True and data["integrity"] == "warn"
    assert "runtime_torch_op" in {flag["check"] for flag in data["integrity_flags"]}


def test_run_stores_everything_and_a_rerun_skips_finished_pairs(build_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"
    first = mkb("run", "--no-compile-baseline", "--tasks", "relu,sigmoid", "--store", str(store), cache=build_cache,
                check=True)
    assert "activation" in first.stdout and "all" in first.stdout
    assert verdict_rows(store) == [("relu", 0), ("sigmoid", 0)]
    second = mkb("run", "--no-compile-baseline", "--tasks", "relu", "--tasks", "sigmoid", "--store", str(store),
                 cache=build_cache, check=True)
    assert "2 of 2 answers already evaluated, 0 to go" in second.stderr
    assert verdict_rows(store) == [("relu", 0), ("sigmoid", 0)]


def _start_run(store: Path, cache: Path) -> subprocess.Popen:
    env = {**os.environ, "MKB_CACHE_DIR": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-m", "multikernelbench.cli", "run", "--no-compile-baseline", "--tasks", ",".join(RUN_TASKS),
         "--samples", "2",
         "--jobs", "1", "--store", str(store)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_sigint,
    )


def _wait_for_verdicts(store: Path, count: int, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.exists():
            try:
                if len(verdict_rows(store)) >= count:
                    return
            except sqlite3.OperationalError:
                pass  # tables not created yet
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.2)
    raise AssertionError("the run produced no verdict in time")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_run_resumes_without_losing_or_duplicating(build_cache: Path, tmp_path: Path,
                                                               how: signal.Signals) -> None:
    # Build the solutions first so the interrupted run spends its time evaluating, not compiling.
    mkb("run", "--no-compile-baseline", "--tasks", ",".join(RUN_TASKS), "--store", str(tmp_path / "warm.sqlite"),
        cache=build_cache, check=True)
    store = tmp_path / "results.sqlite"
    proc = _start_run(store, build_cache)
    _wait_for_verdicts(store, 2, proc)
    proc.send_signal(how)
    _, stderr = proc.communicate(timeout=300)
    if how == signal.SIGINT:
        assert proc.returncode == 130 and "run the same command again to resume" in stderr
    done_before = verdict_rows(store)
    assert 2 <= len(done_before) < 2 * len(RUN_TASKS)
    mkb("run", "--no-compile-baseline", "--tasks", ",".join(RUN_TASKS), "--samples", "2", "--store", str(store),
        cache=build_cache, check=True)
    expected = sorted((t, s) for t in RUN_TASKS for s in range(2))
    assert verdict_rows(store) == expected  # every pair exactly once (the primary key forbids duplicates too)
    assert set(done_before) <= set(expected)
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == len(expected)


def test_baselines_are_measured_once_then_cached_until_refreshed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    args = ("baseline", "--tasks", "relu", "--no-compile-baseline", "--json")
    first = json.loads(mkb(*args, cache=cache, check=True).stdout)
    assert [(b["task"], b["profile"], b["cached"]) for b in first] == [("relu", "small", False)]
    assert first[0]["eager"]["median"] > 0 and first[0]["eager"]["num_trials"] >= 3
    assert first[0]["hardware"]["device"] == "cpu"
    second = json.loads(mkb(*args, cache=cache, check=True).stdout)
    assert second[0]["cached"] and second[0]["eager"] == first[0]["eager"]
    again = json.loads(mkb(*args, "--refresh", cache=cache, check=True).stdout)
    assert not again[0]["cached"] and again[0]["eager"]["samples"] != first[0]["eager"]["samples"]
    table = mkb("baseline", "--tasks", "relu", "--no-compile-baseline", cache=cache, check=True).stdout
    assert "relu" in table and "cached" in table


def test_a_run_never_mixes_build_only_and_checked_verdicts(build_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "modes.sqlite"
    args = ("run", "--no-compile-baseline", "--tasks", "relu", "--store", str(store), "--run-name", "modes")
    mkb(*args, cache=build_cache, check=True)
    mixed = mkb(*args, "--build-only", cache=build_cache)
    assert mixed.returncode == 2
    assert "run 'modes' already exists with mode 'native' (now 'build_only'); choose another --run-name" in mixed.stderr
    assert verdict_rows(store) == [("relu", 0)]
