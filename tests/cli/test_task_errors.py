"""A task that cannot be judged, as a user meets it: ``mkb eval`` and ``mkb baseline`` exit 2 with one line
naming the task file and the fix; ``mkb run`` stores no verdict for it and says so once; ``--set`` shrinks a
task that does not fit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from multikernelbench.cli import main
from multikernelbench.errors import TaskError
from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.generation.solutions import SOLUTIONS_DIR
from multikernelbench.records import EvalRecord, PhaseResult, TimingStats
from multikernelbench.tasks.loader import load_task_file
from tests.support.cli import mkb

RELU_ANSWER = str(SOLUTIONS_DIR / "cpp" / "relu.txt")
# ReLU on 4096 x 65536 float32 inputs: 1 GiB, sizes at module level as KernelBench files have them.
RELU_TASK = """import torch
import torch.nn as nn
{prelude}

class Model(nn.Module):
    def forward(self, x):
        return torch.relu(x)

batch_size = 4096
dim = 65536

def get_inputs():
    {get_inputs}

def get_init_inputs():
    return []
"""
FAST = ("--no-timing", "--no-compile-baseline", "--trials", "2")


def write_task(tmp_path: Path, name: str, prelude: str = "", get_inputs: str = "return [torch.randn(batch_size, dim)]"
               ) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(RELU_TASK.format(prelude=prelude, get_inputs=get_inputs))
    return path


def assert_one_line_error(result, *needles: str) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""  # no verdict, not even under --json
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("prelude", "get_inputs", "what"),
    [("raise ImportError('No module named fancy_kernels')", "return [torch.randn(batch_size, dim)]",
      "loading the task module: ImportError: No module named fancy_kernels (line 3)"),
     ("", "return [torch.randn(batch_size, dim, dtype=torch.float33)]",
      "making inputs (get_inputs()): AttributeError: module 'torch' has no attribute 'float33' (line 13)")],
    ids=["import", "get_inputs"],
)
def test_eval_of_a_broken_task_file_exits_2_with_one_line(build_cache: Path, tmp_path: Path, prelude: str,
                                                         get_inputs: str, what: str) -> None:
    task = write_task(tmp_path, "broken", prelude, get_inputs)
    result = mkb("eval", "--task-file", str(task), "--response", RELU_ANSWER, "--json", *FAST, cache=build_cache)
    assert_one_line_error(result, f"error: task file {task} cannot be judged: {what}", "fix the task file")


def test_eval_of_a_task_too_big_for_the_memory_limit_suggests_set(build_cache: Path, tmp_path: Path) -> None:
    task = write_task(tmp_path, "big_relu")
    result = mkb("eval", "--task-file", str(task), "--response", RELU_ANSWER, "--memory-limit", "1", *FAST,
                 cache=build_cache)
    assert_one_line_error(result, f"error: task file {task} does not fit:", "memory limit of 1 GiB",
                          "--memory-limit", "--set batch_size=512", "(its sizes: dim = 65536, batch_size = 4096)")


def test_set_shrinks_the_task_so_a_correct_answer_passes(build_cache: Path, tmp_path: Path) -> None:
    task = write_task(tmp_path, "big_relu")
    result = mkb("eval", "--task-file", str(task), "--response", RELU_ANSWER, "--memory-limit", "1", "--json",
                 "--set", "batch_size=16", "--set", "dim=4096", *FAST, cache=build_cache)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passed"], {k: data[k] for k in ("failed_phase", "error", "correctness_info")}
    assert data["task"] == "big_relu"


@pytest.mark.parametrize(
    ("setting", "message"),
    [("batch=16", "--set batch: task file {task} has no module-level constant batch; its constants: batch_size, dim"),
     ("batch_size=sixteen", "--set batch_size=sixteen: 'sixteen' is not a Python literal"),
     ("batch_size", "--set batch_size: expected NAME=VALUE"),
     ("=3", "--set =3: expected NAME=VALUE")],
)
def test_a_bad_set_is_a_one_line_error(build_cache: Path, tmp_path: Path, setting: str, message: str) -> None:
    task = write_task(tmp_path, "relu_sizes")
    result = mkb("eval", "--task-file", str(task), "--response", RELU_ANSWER, "--set", setting, cache=build_cache)
    assert_one_line_error(result, message.format(task=task))


def broken_relu(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_task_file(write_task(tmp_path, "broken_relu", get_inputs="raise ValueError('no inputs today')"))


def test_baseline_of_a_broken_task_gives_the_same_one_line_error(build_cache: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    task = broken_relu(tmp_path)
    monkeypatch.setattr("multikernelbench.cli.baseline_cmd.select_tasks", lambda *_: [task])
    code = main(["baseline", "--tasks", "broken_relu", "--no-compile-baseline", "--json",
                 "--cache-dir", str(build_cache)])
    captured = capsys.readouterr()
    assert code == 2
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    expected = (f"error: task file {task.path} cannot be judged: making inputs (get_inputs()): ValueError: "
                "no inputs today (line 13); fix the task file (no answer was judged)")
    assert errors == [expected]
    assert json.loads(captured.out) == []  # no figure for it


def passing_record(task: str) -> EvalRecord:
    return EvalRecord(task=task, backend="cpp", profile="small", compiled=True, correctness=True, failed_phase=None,
                      error=None, phases=(PhaseResult("extract", True, 0.0), PhaseResult("build", True, 0.0),
                                          PhaseResult("check", True, 0.0), PhaseResult("time", True, 0.0)),
                      seed=1, runtime=TimingStats.from_samples([1.0]), baseline=TimingStats.from_samples([2.0]))


def test_a_run_stores_no_verdict_for_a_task_error_and_says_so_once(build_cache: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    evaluated: list[str] = []

    def evaluate(self: Evaluator, task, text: str) -> EvalRecord:  # type: ignore[no-untyped-def]
        evaluated.append(task.name)
        if task.name == "relu":
            raise TaskError(f"task file {task.path} cannot be judged: get_inputs() failed; fix the task file",
                            task=task.name)
        return passing_record(task.name)

    monkeypatch.setattr(Evaluator, "evaluate", evaluate)
    store = tmp_path / "results.sqlite"
    args = ["run", "--tasks", "relu,sigmoid", "--samples", "3", "--jobs", "1", "--store", str(store),
            "--no-compile-baseline", "--cache-dir", str(build_cache)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("activation/relu: not judged: task file") == 1, err
    assert "1 tasks could not be judged (relu), so 3 answers have no verdict and are not counted" in err
    # The task is evaluated once, its other samples are left alone; the other task is judged as usual.
    assert evaluated.count("relu") == 1 and evaluated.count("sigmoid") == 3
    with sqlite3.connect(store) as db:
        verdicts = db.execute("SELECT task, sample FROM verdicts ORDER BY task, sample").fetchall()
        answers = db.execute("SELECT task, sample FROM responses ORDER BY task, sample").fetchall()
    assert verdicts == [("sigmoid", s) for s in range(3)]
    assert ("relu", 0) in answers  # kept for a run after the fix

    # The task fixed, the same command evaluates what waits, the stored answer first.
    monkeypatch.setattr(Evaluator, "evaluate", lambda self, task, text: passing_record(task.name))
    assert main(args) == 0
    with sqlite3.connect(store) as db:
        verdicts = db.execute("SELECT task, sample FROM verdicts ORDER BY task, sample").fetchall()
    assert verdicts == [(t, s) for t in ("relu", "sigmoid") for s in range(3)]
