"""A broken or oversized task is a task error, never the answer's failure: what the judge and the evaluator blame.

The pure parts (reading a worker's outcome, the hints, the memory bound) are tested on made-up outcomes;
a few real evaluations check that the judge's reference phase is where the line falls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.errors import TaskError
from multikernelbench.evaluation.baselines import BaselineCache
from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.evaluation.protocol import CheckReport, Failure, Phase
from multikernelbench.evaluation.sandbox import WorkerOutcome
from multikernelbench.evaluation.task_errors import size_constants, task_error
from multikernelbench.evaluation.worker import _reply_fields, memory_shortfall
from multikernelbench.tasks.loader import load_task, load_task_file
from multikernelbench.tasks.task import Task, parse_task_source
from tests.support.verdicts import why_not_passed

GIB = 2**30
PLAIN_RELU = "```python\nimport torch\nclass ModelNew(torch.nn.Module):\n    def forward(self, x):\n" \
             "        return torch.relu(x)\n```\n"


def relu_task(tmp_path: Path, name: str, *, body: str = "", forward: str = "return torch.relu(x)",
              get_inputs: str = "return [torch.randn(batch_size, dim)]", init: str = "return []") -> Task:
    """A foreign relu task file with module-level sizes, one part of it replaced (each part one statement,
    or lines joined with "\n    ")."""
    source = (f"import torch\nimport torch.nn as nn\n{body}\n\n"
              f"class Model(nn.Module):\n    def forward(self, x):\n        {forward}\n\n"
              "batch_size = 64\ndim = 256\nshape = (batch_size, dim)\n\n"
              f"def get_inputs():\n    {get_inputs}\n\ndef get_init_inputs():\n    {init}\n")
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return load_task_file(path)


def outcome_of(*reports: object, last_phase: str | None = Phase.CHECK.value, killed_for: Failure | None = None,
               returncode: int | None = 0) -> WorkerOutcome:
    return WorkerOutcome(reports=list(reports), last_phase=last_phase, killed_for=killed_for,  # type: ignore[arg-type]
                         returncode=returncode)


def read(outcome: WorkerOutcome, task: Task, profile: str = "full", host_memory: bool = True) -> TaskError | None:
    return task_error(outcome, CheckReport, task, profile, memory_limit_bytes=4 * GIB, reference_limit_s=300.0,
                      host_memory=host_memory)


# ---- reading a worker's outcome ----


def test_a_reference_failure_reported_by_the_judge_is_a_task_error(tmp_path: Path) -> None:
    task = relu_task(tmp_path, "broken")
    report = CheckReport(False, 0.0, "making inputs (get_inputs()): ValueError: bad\nsecond line",
                         Failure.TASK_ERROR.value)
    error = read(outcome_of(report), task)
    assert error is not None and not error.too_big and error.task == "broken"
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"task file {task.path} cannot be judged: making inputs (get_inputs()): ValueError: bad")
    assert "fix the task file" in message


@pytest.mark.parametrize("failure", [Failure.CRASH, Failure.MISMATCH, Failure.MEMORY, Failure.TIMEOUT])
def test_a_failed_check_of_the_answer_is_no_task_error(tmp_path: Path, failure: Failure) -> None:
    report = CheckReport(False, 1.0, "anything", failure.value)
    assert read(outcome_of(report), relu_task(tmp_path, "t")) is None


def test_a_kill_for_memory_while_making_the_reference_is_a_task_too_big(tmp_path: Path) -> None:
    task = relu_task(tmp_path, "big")
    error = read(outcome_of(last_phase=Phase.REFERENCE.value, killed_for=Failure.MEMORY, returncode=-9), task)
    assert error is not None and error.too_big
    message = str(error)
    assert message.startswith(f"task file {task.path} does not fit:") and "memory limit of 4 GiB" in message
    # What to do: a larger limit, or smaller sizes named as the file has them.
    assert "a larger --memory-limit" in message and "--set batch_size=8" in message
    assert "(its sizes: dim = 256, batch_size = 64)" in message


def test_a_kill_after_the_reference_phase_stays_the_answers(tmp_path: Path) -> None:
    task = relu_task(tmp_path, "t")
    for phase in (Phase.CHECK.value, Phase.TIME.value, Phase.START.value, None):
        assert read(outcome_of(last_phase=phase, killed_for=Failure.MEMORY, returncode=-9), task) is None


def test_a_timeout_or_a_crash_in_the_reference_phase(tmp_path: Path) -> None:
    task = relu_task(tmp_path, "slow")
    slow = read(outcome_of(last_phase=Phase.REFERENCE.value, killed_for=Failure.TIMEOUT, returncode=-9), task)
    assert slow is not None and slow.too_big
    assert "time limit of 300 s" in str(slow) and "a larger --check-timeout" in str(slow)
    assert "--memory-limit" not in str(slow)
    crashed = read(outcome_of(last_phase=Phase.REFERENCE.value, returncode=-11), task)
    assert crashed is not None and not crashed.too_big
    assert "the judge died (killed by SIGSEGV)" in str(crashed) and "fix the task file" in str(crashed)


def test_device_memory_is_not_helped_by_a_larger_memory_limit(tmp_path: Path) -> None:
    report = CheckReport(False, 0.0, "making inputs (get_inputs()): OutOfMemoryError: CUDA out of memory",
                         Failure.TASK_TOO_BIG.value)
    error = read(outcome_of(report), relu_task(tmp_path, "gpu"), host_memory=False)
    assert error is not None and error.too_big
    assert "--memory-limit" not in str(error) and "--set batch_size=" in str(error)


def test_a_bundled_task_too_big_at_full_size_is_pointed_to_its_small_profile() -> None:
    relu = load_task("relu")
    error = read(outcome_of(last_phase=Phase.REFERENCE.value, killed_for=Failure.MEMORY), relu, profile="full")
    assert error is not None and "--size small" in str(error)
    small = read(outcome_of(last_phase=Phase.REFERENCE.value, killed_for=Failure.MEMORY), relu, profile="small")
    assert small is not None and "--size small" not in str(small)
    # The sizes named are the ones in use.
    assert "batch_size = 16" in str(small) and "batch_size = 4096" in str(error)


def test_size_constants_skip_expressions_and_flags() -> None:
    task = parse_task_source("import torch\nclass Model: pass\ndef get_inputs(): return []\n"
                             "def get_init_inputs(): return []\nN = 1024\nM = N * 2\nFLAG = True\nEPS = 1e-5\n"
                             "ONE = 1\nNAME = 'x'\n", name="t", category="custom", path="t.py")
    assert size_constants(task, "full") == {"N": 1024}


def test_a_task_without_whole_number_constants_gets_a_generic_set_hint(tmp_path: Path) -> None:
    report = CheckReport(False, 0.0, "too big", Failure.TASK_TOO_BIG.value)
    task = parse_task_source("import torch\nclass Model: pass\ndef get_inputs(): return []\n"
                             "def get_init_inputs(): return []\n", name="t", category="custom", path="t.py")
    error = read(outcome_of(report), task)
    assert error is not None and "--set NAME=VALUE" in str(error)


# ---- the judge's side ----


@pytest.mark.parametrize("claim", [Failure.TASK_ERROR.value, Failure.TASK_TOO_BIG.value])
def test_the_answers_process_cannot_claim_a_task_error(claim: str) -> None:
    fields = _reply_fields({"ok": False, "error": "not me", "failure": claim})
    assert fields["failure"] == Failure.CRASH.value
    assert _reply_fields({"ok": False, "failure": Failure.MISMATCH.value})["failure"] == Failure.MISMATCH.value


def test_memory_shortfall_counts_the_inputs_sent_to_the_answer() -> None:
    # Held 3 GiB with 0.5 GiB of inputs: any check needs 4 GiB at least.
    assert memory_shortfall(3 * GIB, GIB // 2, 4 * GIB) is None
    message = memory_shortfall(3 * GIB, GIB // 2 + 2**20, 4 * GIB)
    assert message is not None and "more than the memory limit of 4 GiB" in message
    assert "3.0 GiB once the reference ran" in message


# ---- real evaluations: where the line falls ----


@pytest.mark.parametrize(
    ("part", "stage"),
    [({"init": "raise RuntimeError('no weights here')"}, "building the reference"),
     ({"forward": "return x.view(3, -1, 7)"}, "running the reference on its own inputs")],
)
def test_a_reference_that_cannot_run_raises_a_task_error(evaluator: Evaluator, tmp_path: Path,
                                                         part: dict[str, str], stage: str) -> None:
    task = relu_task(tmp_path, "broken", **part)
    with pytest.raises(TaskError) as caught:
        evaluator.evaluate(task, PLAIN_RELU)
    message = str(caught.value)
    assert message.startswith(f"task file {task.path} cannot be judged: {stage}") and "\n" not in message
    assert not caught.value.too_big


def test_a_task_failure_after_the_answer_ran_is_still_the_answers(evaluator: Evaluator, tmp_path: Path) -> None:
    # get_inputs works for the first input set (the reference phase) and fails for the second, after the answer
    # loaded and ran: only failures before any answer code ran are the task's.
    task = relu_task(tmp_path, "flaky", body="calls = []", get_inputs=(
        "calls.append(1)\n    if len(calls) > 1:\n        raise RuntimeError('second set')\n"
        "    return [torch.randn(batch_size, dim)]"))
    record = evaluator.evaluate(task, PLAIN_RELU)
    assert record.failed_phase == "check" and record.failure == Failure.CRASH.value, why_not_passed(record)
    assert "second set" in (record.error or "")


def test_the_same_task_passes_when_it_is_sound(evaluator: Evaluator, tmp_path: Path) -> None:
    record = evaluator.evaluate(relu_task(tmp_path, "sound"), PLAIN_RELU)
    assert record.passed, why_not_passed(record)


def test_a_broken_reference_is_a_task_error_for_the_baselines_too(evaluator: Evaluator, tmp_path: Path) -> None:
    task = relu_task(tmp_path, "broken_baseline", get_inputs="return [torch.randn(batch_size, dim, dtype=7)]")
    with pytest.raises(TaskError, match=r"cannot be judged: making inputs \(get_inputs\(\)\): TypeError"):
        BaselineCache(evaluator).get(task)
    path = BaselineCache(evaluator).path
    assert not path.exists() or "broken_baseline" not in path.read_text()  # nothing cached: a fixed task is measured


def test_the_reference_phase_has_the_checks_time_limit() -> None:
    # Without a limit of its own the worker's supervisor would give it a default minute.
    assert EvalConfig(check_timeout_s=42.0).phase_limits[Phase.REFERENCE.value] == 42.0
