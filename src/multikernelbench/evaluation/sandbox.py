"""Running a worker child under per-phase time limits and a memory limit.

The worker starts in its own session so that killing its process group also
ends what it spawned (compilers, ninja, OpenMP helpers). The parent reads the
worker's events from a pipe, restarts the deadline at each new phase, sums
the resident memory of the whole process tree, and kills the tree when a
limit is passed. Whatever happens, the caller gets a :class:`WorkerOutcome`:
a child that dies without reporting is described, never taken for a pass.
Workers carry the token of this process's reaper
(:mod:`multikernelbench.evaluation.reaper`) and keep their folders under its
temporary root, so an interrupted run (Ctrl-C, ``kill -9``) leaves neither.

A worker is started (:func:`start_worker`: Python loaded, its runner importing torch, waiting)
apart from being handed its request (:func:`hand_request`), so it can be
started ahead of need (:mod:`multikernelbench.evaluation.warm_workers`); it
is still used for one request only.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

import multikernelbench
from multikernelbench.evaluation.protocol import (
    Done,
    Failure,
    PhaseStarted,
    ReadyToTime,
    Report,
    WorkerRequest,
    decode_report,
    signal_name,
)
from multikernelbench.evaluation.reaper import Reaper, start_reaper
from multikernelbench.secrets import is_secret

# Environment variables whose names look like credentials never reach untrusted code.
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.IGNORECASE)
_POLL_S = 0.05
_GRACE_AFTER_DONE_S = 5.0
_reaper: Reaper | None = None
_reaper_lock = threading.Lock()


@dataclass
class WorkerOutcome:
    """What a worker reported before it ended, and how it ended."""

    reports: list[Report] = field(default_factory=list)
    returncode: int | None = None
    killed_reason: str | None = None
    killed_for: Failure | None = None
    last_phase: str | None = None
    seconds: float = 0.0
    #: The end of what the worker printed (compiler output, warnings), read before its folder is removed.
    log: str = ""

    def last(self, kind: type[Any]) -> Any:
        """The last report of type ``kind``, if any."""
        return next((r for r in reversed(self.reports) if isinstance(r, kind)), None)

    @property
    def finished(self) -> bool:
        return self.last(Done) is not None

    def failure(self) -> Failure:
        """The kind of the worker's death when it did not finish: a limit it passed, else a crash."""
        return self.killed_for or Failure.CRASH

    def death(self) -> str:
        """How the worker ended when it did not finish, in one line."""
        if self.killed_reason:
            return self.killed_reason
        code = self.returncode
        if code is not None and code < 0:
            name = signal_name(-code)
            return f"the worker was killed by {name} (a crash in the candidate's code)"
        return f"the worker exited with code {code} without reporting a result"

    def log_tail(self, max_chars: int = 3000) -> str:
        return self.log[-max_chars:]


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without credentials, with this package importable."""
    # By name, and by value: a key read from a variable with an unusual name (--api-key-env) is dropped too.
    env = {k: v for k, v in os.environ.items() if not _SECRET_NAME.search(k) and not is_secret(v)}
    package_root = str(Path(multikernelbench.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


@dataclass
class StartedWorker:
    """A worker process waiting for its request: Python started, torch imported, in its own folder."""

    proc: subprocess.Popen
    read_fd: int
    work_dir: Path
    log_path: Path
    _cleanup: Any = None  # the TemporaryDirectory that owns ``work_dir``, when the worker made it

    _stopped: bool = False

    def stop(self) -> None:
        """Kill the worker and everything it started, and close its pipe (once: after that, the process
        and pipe numbers may belong to someone else)."""
        if self._stopped:
            return
        self._stopped = True
        _kill_tree(self.proc)
        os.close(self.read_fd)
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass  # it was dead: nothing to flush to

    def discard(self) -> None:
        """Stop the worker and remove its folder."""
        self.stop()
        if self._cleanup is not None:
            self._cleanup.cleanup()
            self._cleanup = None


def shared_reaper() -> Reaper:
    """This process's reaper, started with its first worker: workers and their folders end with this process,
    however it ends."""
    global _reaper
    with _reaper_lock:
        if _reaper is None:
            _reaper = start_reaper()
            atexit.register(_reaper.close)
        return _reaper


def start_worker(python: str | None = None, env: dict[str, str] | None = None, warm_device: str = "",
                 work_dir: Path | None = None) -> StartedWorker:
    """Start a worker and its runner, which imports torch (with ``warm_device="cuda"`` the worker opens its
    GPU); both then wait.

    Its request arrives later (:func:`hand_request`), so a worker can be started before it is needed.
    Without ``work_dir`` it gets a private temporary folder in the run's (removed by
    :meth:`StartedWorker.discard`, or by the reaper if this process is killed).
    """
    reaper = shared_reaper()
    env = {**(env if env is not None else child_environment()), **reaper.environment()}
    cleanup = None
    if work_dir is None:
        cleanup = tempfile.TemporaryDirectory(prefix="mkb-worker-", dir=reaper.temp_root)
        work_dir = Path(cleanup.name)
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "worker.log"
    read_fd, write_fd = os.pipe()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [python or sys.executable, "-m", "multikernelbench.evaluation.worker", str(write_fd), warm_device],
            pass_fds=(write_fd,),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=work_dir,
        )
    os.close(write_fd)
    return StartedWorker(proc, read_fd, work_dir, log_path, cleanup)


def hand_request(
    worker: StartedWorker,
    request: WorkerRequest,
    phase_limits_s: dict[str, float],
    memory_limit_bytes: int | None,
    turn: Callable[[], bool] | None = None,
) -> WorkerOutcome:
    """Give a started worker its request and supervise it to completion or until a limit kills it.

    A worker that asks for its turn to time (``await_turn``) waits, its clock stopped, until ``turn()``
    (polled) says the device is its alone; without ``turn`` it goes on at once. The worker is used
    once: whatever happens, it is killed (with all it started) before this returns.
    """
    outcome = WorkerOutcome()
    start = time.monotonic()
    proc = worker.proc
    try:
        try:
            assert proc.stdin is not None  # noqa: S101 - start_worker always opens it
            # On stdin, never in a file: the answer's process could find a file.
            proc.stdin.write(request.to_json().encode() + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it died waiting: supervision reports how
        _supervise(proc, worker.read_fd, outcome, phase_limits_s, memory_limit_bytes, start, turn)
    finally:
        worker.stop()
        outcome.log = _read_tail(worker.log_path)
        worker.discard()
    outcome.returncode = proc.returncode
    outcome.seconds = time.monotonic() - start
    return outcome


def _read_tail(path: Path, max_bytes: int = 65536) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - max_bytes))
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def run_worker(
    request: WorkerRequest,
    work_dir: Path,
    phase_limits_s: dict[str, float],
    memory_limit_bytes: int | None,
    env: dict[str, str] | None = None,
    python: str | None = None,
) -> WorkerOutcome:
    """Start a worker (under ``python``, default this interpreter) in ``work_dir`` and run ``request`` in it."""
    return hand_request(start_worker(python, env, work_dir=work_dir), request, phase_limits_s, memory_limit_bytes)


def _supervise(
    proc: subprocess.Popen,
    read_fd: int,
    outcome: WorkerOutcome,
    phase_limits_s: dict[str, float],
    memory_limit_bytes: int | None,
    start: float,
    turn: Callable[[], bool] | None = None,
) -> None:
    buffer = b""
    deadline = start + phase_limits_s.get("start", 60.0)
    done_at: float | None = None
    pipe_open = True
    awaiting_turn = False
    while True:
        if pipe_open:
            ready, _, _ = select.select([read_fd], [], [], _POLL_S)
            if ready:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    pipe_open = False
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    report = decode_report(line)
                    if report is None:
                        continue
                    outcome.reports.append(report)
                    if isinstance(report, PhaseStarted):
                        outcome.last_phase = report.phase
                        deadline = time.monotonic() + phase_limits_s.get(report.phase, 60.0)
                    elif isinstance(report, ReadyToTime):
                        awaiting_turn, deadline = True, float("inf")  # waiting for the device is not its time
                    elif isinstance(report, Done):
                        done_at = time.monotonic()
        else:
            time.sleep(_POLL_S)
        if awaiting_turn and (turn is None or turn()):
            awaiting_turn = False
            deadline = time.monotonic() + phase_limits_s.get("time", 60.0)
            _send_go(proc)
        if proc.poll() is not None and (not pipe_open or done_at is not None):
            return
        if proc.poll() is not None and not _drain_soon(read_fd):
            return
        now = time.monotonic()
        if done_at is not None and now - done_at > _GRACE_AFTER_DONE_S:
            return  # it reported everything; a slow interpreter shutdown is not our concern
        if done_at is None and now > deadline:
            phase = outcome.last_phase or "start"
            limit = phase_limits_s.get(phase, 60.0)
            outcome.killed_reason = f"time limit of {limit:g} s exceeded in the {phase} phase (hang or too slow)"
            outcome.killed_for = Failure.TIMEOUT
            return
        if memory_limit_bytes and done_at is None:
            used = _tree_rss(proc.pid)
            if used > memory_limit_bytes:
                outcome.killed_reason = (
                    f"memory limit exceeded: the worker used {used / 2**30:.1f} GiB, "
                    f"limit {memory_limit_bytes / 2**30:.1f} GiB"
                )
                outcome.killed_for = Failure.MEMORY
                return


def _send_go(proc: subprocess.Popen) -> None:
    try:
        assert proc.stdin is not None  # noqa: S101 - start_worker always opens it
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    except (BrokenPipeError, OSError):
        pass  # it died waiting: supervision reports how


def _drain_soon(read_fd: int) -> bool:
    """After the worker exited: True while its pipe still has data to read (or a grandchild holds it briefly)."""
    ready, _, _ = select.select([read_fd], [], [], 0.5)
    return bool(ready)


def _tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the worker, its process group and any descendant that left the group."""
    try:
        descendants = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for p in descendants:
        try:
            p.kill()
        except psutil.Error:
            pass
    proc.wait()
