"""Workers started ahead of need: handed out once each, never dead, never outliving the pool."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from multikernelbench.evaluation.protocol import Done, WorkerRequest
from multikernelbench.evaluation.sandbox import child_environment, hand_request
from multikernelbench.evaluation.warm_workers import WarmWorkers, WorkerKind

LIMITS = {"start": 60.0, "build": 60.0}


def wait_until(condition, timeout_s: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def pool():  # type: ignore[no-untyped-def]
    workers = WarmWorkers(max_spares=2)
    yield workers
    workers.close()


def kind(**extra: str) -> WorkerKind:
    return WorkerKind.of(sys.executable, child_environment(extra))


def build_request(tmp_path: Path, source: str) -> WorkerRequest:
    candidate = tmp_path / "candidate.py"
    candidate.write_text(source)
    return WorkerRequest(step="build", backend="triton", mode="interpreter", candidate_path=str(candidate),
                         module_name="mkb_warm_test", build_dir=str(tmp_path / "build"),
                         environment={"MKB_TEST_MARK": "from-the-request"})


def test_the_next_worker_is_started_ahead_and_each_is_used_once(pool: WarmWorkers, tmp_path: Path) -> None:
    first, warm = pool.take(kind())
    assert not warm  # nothing was waiting yet
    assert wait_until(lambda: pool.waiting(kind()))
    second, warm = pool.take(kind())
    assert warm and second.proc.pid != first.proc.pid and second.proc.poll() is None
    # The request's environment reaches the candidate's code, though the worker started before it existed.
    source = ("import os\nassert os.environ['MKB_TEST_MARK'] == 'from-the-request'\n"
              "class ModelNew:\n    pass\n")
    outcome = hand_request(second, build_request(tmp_path, source), LIMITS, None)
    assert outcome.finished and outcome.last(Done) is not None
    assert second.proc.poll() is not None and not second.work_dir.exists()  # used once, then gone
    first.discard()


def test_a_spare_that_died_waiting_is_never_handed_out(pool: WarmWorkers) -> None:
    pool.take(kind())[0].discard()
    assert wait_until(lambda: pool.waiting(kind()))
    spare = pool._spares[kind()]
    os.kill(spare.proc.pid, signal.SIGKILL)
    spare.proc.wait()
    worker, warm = pool.take(kind())
    assert not warm and worker.proc.pid != spare.proc.pid and worker.proc.poll() is None
    assert not spare.work_dir.exists()
    worker.discard()


def test_closing_kills_the_spares_and_removes_their_folders(tmp_path: Path) -> None:
    pool = WarmWorkers(max_spares=2)
    kinds = [kind(MKB_KIND=str(i)) for i in range(3)]
    for k in kinds:
        pool.take(k)[0].discard()
        assert wait_until(lambda k=k: pool.waiting(k))
    # At most two kinds wait: the least recently wanted was dropped.
    assert not pool.waiting(kinds[0]) and pool.waiting(kinds[1]) and pool.waiting(kinds[2])
    spares = list(pool._spares.values())
    pool.close()
    for spare in spares:
        assert spare.proc.poll() is not None and not spare.work_dir.exists()
    worker, warm = pool.take(kinds[2])  # a closed pool still works, it just starts nothing ahead
    assert not warm
    time.sleep(0.5)
    assert not pool.waiting(kinds[2])
    worker.discard()
