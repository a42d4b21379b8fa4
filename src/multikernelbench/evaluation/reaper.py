"""Nothing a run started outlives it, however the run ends, ``kill -9`` included.

:func:`start_reaper` starts a small watcher process in its own session and gives it the read end of
a pipe whose write end only this process holds. The kernel closes that end when this process ends,
in whatever way, and the watcher then reads end of file: it kills (SIGKILL, round after round until
none is left) every process whose environment carries this run's ``MKB_RUN_TOKEN``, which workers
get from :meth:`Reaper.environment` and pass on to all they start, and removes the run's private
temporary folder. :meth:`Reaper.close` does the same at a normal end and returns when it is done.

The watcher reads /proc directly and imports nothing heavy (no torch, no psutil). A process that
rewrites its own environment escapes it: the PID namespace of
:mod:`multikernelbench.evaluation.containment` is the stronger guarantee, this is the net below it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOKEN_VARIABLE = "MKB_RUN_TOKEN"
_KILL_ROUNDS = 40
_ROUND_PAUSE_S = 0.05
_CLOSE_WAIT_S = 10.0

# Write ends of live reapers' pipes: a child forked from this process (multiprocessing, a probe) must not
# hold one, or the watcher would wait for that child too before it sees this process end.
_WRITE_ENDS: set[int] = set()


def _close_write_ends_in_child() -> None:
    for fd in _WRITE_ENDS:
        try:
            os.close(fd)
        except OSError:
            pass
    _WRITE_ENDS.clear()


os.register_at_fork(after_in_child=_close_write_ends_in_child)


class Reaper:
    """A watcher process that cleans up after this process however it ends."""

    def __init__(self, run_token: str, temp_root: Path, watcher: subprocess.Popen, write_fd: int) -> None:
        self.run_token = run_token  # exported to workers as MKB_RUN_TOKEN
        self.temp_root = temp_root  # a private temporary folder for this run's workers
        self._watcher = watcher
        self._write_fd: int | None = write_fd
        self._owner = os.getpid()  # a forked copy of this object must not close the pipe again

    def environment(self) -> dict[str, str]:
        """What to add to the environment of every worker of this run."""
        return {TOKEN_VARIABLE: self.run_token, "TMPDIR": str(self.temp_root)}

    def close(self) -> None:
        """Normal end: kill what is left of the run, remove ``temp_root``, stop the watcher (idempotent)."""
        if self._write_fd is None or os.getpid() != self._owner:
            return
        _WRITE_ENDS.discard(self._write_fd)
        os.close(self._write_fd)
        self._write_fd = None
        try:
            finished = self._watcher.wait(_CLOSE_WAIT_S) == 0
        except subprocess.TimeoutExpired:
            self._watcher.kill()
            self._watcher.wait()
            finished = False
        if not finished:  # the watcher was stuck or killed: do its work here
            clean_up(self.run_token, self.temp_root)

    def __enter__(self) -> Reaper:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def start_reaper() -> Reaper:
    """Start the watcher for this run: from now on, the run's workers die with this process."""
    token = secrets.token_hex(16)
    temp_root = Path(tempfile.mkdtemp(prefix="mkb-run-"))
    read_fd, write_fd = os.pipe()  # both close-on-exec: no worker started with subprocess gets them
    env = {k: v for k, v in os.environ.items() if k != TOKEN_VARIABLE}  # the watcher must not match itself
    try:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "multikernelbench.evaluation.reaper", str(read_fd), token, str(temp_root)],
            pass_fds=(read_fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # holding the caller's pipes would keep its readers waiting
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # out of the terminal's reach: Ctrl-C stops the run, not its cleaner
            env=env,
        )
    except BaseException:
        os.close(write_fd)
        shutil.rmtree(temp_root, ignore_errors=True)
        raise
    finally:
        os.close(read_fd)
    _WRITE_ENDS.add(write_fd)
    return Reaper(token, temp_root, watcher, write_fd)


def clean_up(token: str, temp_root: Path | str) -> None:
    """Kill every process carrying ``token`` in its environment, until none is left, then remove ``temp_root``."""
    needle = f"{TOKEN_VARIABLE}={token}".encode()
    for _ in range(_KILL_ROUNDS):  # each round also catches what was forked while the last one killed
        carriers = [pid for pid in _pids() if _carries(pid, needle)]
        if not carriers:
            break
        for pid in carriers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass  # gone already, or not ours
        time.sleep(_ROUND_PAUSE_S)
    shutil.rmtree(temp_root, ignore_errors=True)


def _pids() -> list[int]:
    me = os.getpid()
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and int(entry) != me]


def _carries(pid: int, needle: bytes) -> bool:
    """Whether ``pid``'s environment holds ``needle`` as one whole entry (an ended process has none)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as file:
            return needle in file.read().split(b"\0")
    except OSError:
        return False  # ended, or another user's


def _main(argv: list[str]) -> int:
    """The watcher: ``<read fd> <token> <temp root>``; cleans up once the pipe's write end is closed."""
    read_fd, token, temp_root = int(argv[0]), argv[1], argv[2]
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # what reaches the terminal's processes is not for the watcher
    try:
        while os.read(read_fd, 4096):
            pass  # nobody writes: the read returns at end of file, when the run's process has ended
    except OSError:
        pass
    clean_up(token, temp_root)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
