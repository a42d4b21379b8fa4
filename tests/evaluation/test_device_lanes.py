"""Sharing an accelerator: checks side by side, timing alone, and a worker that waits for its turn.

The lanes are plain threads and locks, tested here with threads; the turn is
tested end to end with a real worker (Triton's interpreter on the CPU).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from pathlib import Path

import pytest

from multikernelbench.backends.triton import TritonBackend
from multikernelbench.evaluation.containment import ContainmentPlan
from multikernelbench.evaluation.device_lanes import DeviceLanes
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.evaluation.protocol import (
    CheckReport,
    PhaseStarted,
    ReadyToTime,
    TaskSpec,
    TimeReport,
    TimingSpec,
    WorkerRequest,
)
from multikernelbench.evaluation.sandbox import child_environment, hand_request, run_worker, start_worker
from multikernelbench.evaluation.worker import CONTAINMENT_VARIABLE
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.tasks import load_task


def in_thread(target) -> threading.Thread:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_checks_share_a_lane_up_to_the_limit() -> None:
    lanes = DeviceLanes(1, checks_per_lane=2)
    third_in = threading.Event()
    with lanes.checking() as a, lanes.checking() as b:
        assert a.lane == b.lane == 0
        waiter = in_thread(lambda: lanes.checking().__enter__() and third_in.set())
        time.sleep(0.2)
        assert not third_in.is_set()  # a third check waits for a slot
    assert third_in.wait(5)
    waiter.join(5)


def test_timing_has_the_lane_alone_and_holds_back_new_checks() -> None:
    lanes = DeviceLanes(1, checks_per_lane=2)
    events: list[str] = []
    with lanes.checking() as a:
        with lanes.checking() as b:
            assert not a.try_take_turn()  # b is still checking on the device
            late = in_thread(lambda: _check_and_note(lanes, events))
            time.sleep(0.2)
            assert events == []  # no new check starts while a turn is waited for
        assert a.try_take_turn() and a.try_take_turn()  # b left: a has the device; asking again is harmless
        time.sleep(0.2)
        assert events == []  # still held back while a times
    late.join(5)
    assert events == ["checked"]


def _check_and_note(lanes: DeviceLanes, events: list[str]) -> None:
    with lanes.checking():
        events.append("checked")


def test_two_candidates_waiting_for_turns_do_not_wait_on_each_other() -> None:
    lanes = DeviceLanes(1, checks_per_lane=2)
    with lanes.checking() as a, lanes.checking() as b:
        assert not a.try_take_turn()  # b still holds its check slot
        assert not b.try_take_turn()  # a asked first: first come, first timed
        assert a.try_take_turn()
        a.release()
        assert b.try_take_turn()


def test_checks_go_to_the_least_busy_lane_and_alone_waits_for_its_turn() -> None:
    lanes = DeviceLanes(2, checks_per_lane=2)
    with lanes.checking() as a, lanes.checking() as b:
        assert {a.lane, b.lane} == {0, 1}
        got: list[int] = []
        waiter = in_thread(lambda: _alone(lanes, got))
        time.sleep(0.2)
        assert got == []  # both lanes have a check running
    waiter.join(5)
    assert got in ([0], [1])
    with pytest.raises(ValueError):
        DeviceLanes(0)


def _alone(lanes: DeviceLanes, got: list[int]) -> None:
    with lanes.alone() as lane:
        got.append(lane)


# ---- the turn, end to end ----


@pytest.fixture(scope="module")
def built_relu(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """The bundled Triton relu answer, built (imported) once by a real build worker."""
    root = tmp_path_factory.mktemp("turn")
    candidate = root / "candidate.py"
    candidate.write_text(extract_candidate(bundled_solution("relu", "triton") or "").source or "")
    build_dir = root / "build"
    environment = TritonBackend().build_environment(build_dir, "interpreter")
    request = WorkerRequest(step="build", backend="triton", mode="interpreter", candidate_path=str(candidate),
                            module_name="mkb_turn_relu", build_dir=str(build_dir), environment=environment)
    outcome = run_worker(request, root / "build-work", {"start": 120.0, "build": 120.0}, None, env=worker_env(root))
    assert outcome.finished, outcome.log
    return candidate, build_dir, environment


def worker_env(writable: Path) -> dict[str, str]:
    """A worker's environment whose answers may write under ``writable`` (as under an evaluator's cache)."""
    plan = ContainmentPlan(writable=(str(writable),))
    return child_environment({CONTAINMENT_VARIABLE: json.dumps(dataclasses.asdict(plan))})


def check_request(built: tuple[Path, Path, dict[str, str]], answer: Path | None = None) -> WorkerRequest:
    candidate, build_dir, environment = built
    task = load_task("relu")
    return WorkerRequest(step="check", backend="triton", mode="interpreter", candidate_path=str(answer or candidate),
                         module_name="mkb_turn_relu", build_dir=str(build_dir),
                         task=TaskSpec(task.name, task.category, task.path, task.source), init_seed=1,
                         input_seeds=(2, 3), timing=TimingSpec(warmup=1, min_trials=2, max_trials=2, budget_s=0.0),
                         await_turn=True, environment=environment)


LIMITS = {"start": 120.0, "check": 120.0, "time": 120.0}


def test_a_worker_times_only_after_its_turn_is_given(built_relu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    polls: list[float] = []

    def turn() -> bool:  # the device frees up a second after the worker first asks
        polls.append(time.monotonic())
        return polls[-1] >= polls[0] + 1.0

    worker = start_worker(sys.executable, worker_env(Path(built_relu[1]).parent), work_dir=tmp_path)
    outcome = hand_request(worker, check_request(built_relu), LIMITS, None, turn)
    assert outcome.finished, outcome.log
    kinds = [type(r).__name__ + (f":{r.phase}" if isinstance(r, PhaseStarted) else "") for r in outcome.reports]
    ready = kinds.index("ReadyToTime")
    assert kinds.index("CheckReport") < ready < kinds.index("PhaseStarted:time") < kinds.index("TimeReport")
    assert outcome.last(CheckReport).ok and outcome.last(TimeReport).ok
    assert len(polls) > 3 and polls[-1] >= polls[0] + 1.0  # it waited, polled, and went on once given the device


def test_a_failed_check_never_asks_for_a_turn(built_relu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wrong = tmp_path / "wrong.py"
    wrong.write_text(Path(built_relu[0]).read_text().replace("tl.maximum(x, 0.0)", "tl.maximum(x, 0.5)"))
    asked: list[bool] = []
    worker = start_worker(sys.executable, worker_env(Path(built_relu[1]).parent), work_dir=tmp_path / "work")
    outcome = hand_request(worker, check_request(built_relu, wrong), LIMITS, None, lambda: asked.append(True) or True)
    assert outcome.finished and not outcome.last(CheckReport).ok
    assert outcome.last(ReadyToTime) is None and outcome.last(TimeReport) is None and asked == []
