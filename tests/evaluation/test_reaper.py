"""The reaper: nothing a run's workers start outlives the run, even when the run is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from multikernelbench.evaluation.reaper import TOKEN_VARIABLE, start_reaper
from tests.support.processes import pids_with_arg, wait_until

# A worker: it starts a sleeper that double-forks into a session of its own, writes into its TMPDIR, and waits.
WORKER = """
import os, subprocess, sys, tempfile, time
sleeper = "import os, time\\nif os.fork(): os._exit(0)\\nos.setsid()\\nif os.fork(): os._exit(0)\\n" \\
          "open(os.path.join(os.environ['TMPDIR'], 'sleeper-up'), 'w').close()\\ntime.sleep(60)"
subprocess.run([sys.executable, "-c", sleeper, sys.argv[1].removesuffix("-worker") + "-sleeper"], check=True)
with open(os.path.join(tempfile.gettempdir(), "scratch.bin"), "wb") as file:
    file.write(b"x" * 4096)
open(os.path.join(tempfile.gettempdir(), "worker-up"), "w").close()
time.sleep(60)
"""

# The run's main process: a reaper, one worker, and a plain forked child (which must not keep the watcher waiting).
MAIN = """
import json, os, subprocess, sys, time
from multikernelbench.evaluation.reaper import start_reaper
reaper = start_reaper()
marker = sys.argv[1].removesuffix("-main")
env = {**os.environ, **reaper.environment()}
subprocess.Popen([sys.executable, "-c", sys.argv[2], marker + "-worker"], env=env, start_new_session=True)
if os.fork() == 0:  # a copy of this process, with no exec to close the pipe's write end for it
    time.sleep(60)
    os._exit(0)
print(json.dumps({"temp_root": str(reaper.temp_root), "watcher": reaper._watcher.pid}), flush=True)
time.sleep(60)
"""


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def marker():
    """A unique argument to find a test's processes by; whatever still carries it is killed afterwards."""
    value = f"mkb-test-{uuid.uuid4().hex}"
    yield value
    for role in ("main", "worker", "sleeper"):
        for pid in pids_with_arg(f"{value}-{role}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_sigkill_of_the_main_process_still_cleans_up(marker: str) -> None:
    main = subprocess.Popen([sys.executable, "-c", MAIN, f"{marker}-main", WORKER], stdout=subprocess.PIPE, text=True)
    try:
        started = json.loads(main.stdout.readline())
        temp_root = Path(started["temp_root"])
        assert wait_until(lambda: (temp_root / "worker-up").exists() and (temp_root / "sleeper-up").exists())
        assert pids_with_arg(f"{marker}-worker") and pids_with_arg(f"{marker}-sleeper")
        assert len(pids_with_arg(f"{marker}-main")) == 2  # the main process and its forked copy
        main.kill()
        main.wait()
        assert wait_until(lambda: not pids_with_arg(f"{marker}-sleeper")), "the sleeper outlived the run"
        # Killed in turn with the sleeper: on a loaded host its exit can come a moment later.
        assert wait_until(lambda: not pids_with_arg(f"{marker}-worker")), "the worker outlived the run"
        assert wait_until(lambda: not temp_root.exists()), "the run's temporary folder was left behind"
        assert wait_until(lambda: not running(started["watcher"]))
        assert pids_with_arg(f"{marker}-main"), "only what carries the run's token is killed"
    finally:
        main.kill()
        main.wait()


def test_close_kills_what_is_left_and_removes_the_folder(marker: str) -> None:
    reaper = start_reaper()
    env = {**os.environ, **reaper.environment()}
    assert env["TMPDIR"] == str(reaper.temp_root) and env[TOKEN_VARIABLE] == reaper.run_token
    worker = subprocess.Popen([sys.executable, "-c", WORKER, f"{marker}-worker"], env=env, start_new_session=True)
    try:
        temp_root = reaper.temp_root
        assert wait_until(lambda: (temp_root / "worker-up").exists() and (temp_root / "sleeper-up").exists())
        assert pids_with_arg(f"{marker}-worker") and pids_with_arg(f"{marker}-sleeper")
        with open(f"/proc/{reaper._watcher.pid}/environ", "rb") as file:
            assert reaper.run_token.encode() not in file.read()  # the watcher must not kill itself
        reaper.close()
        assert not pids_with_arg(f"{marker}-sleeper") and not pids_with_arg(f"{marker}-worker")
        assert not temp_root.exists()
        assert reaper._watcher.returncode == 0
        reaper.close()  # a second close does nothing
        assert worker.wait(timeout=5) == -signal.SIGKILL
    finally:
        worker.kill()
        worker.wait()
        reaper.close()


def test_close_cleans_up_itself_when_the_watcher_is_gone(marker: str) -> None:
    reaper = start_reaper()
    (reaper.temp_root / "left.txt").write_text("x")
    reaper._watcher.kill()
    reaper._watcher.wait()
    reaper.close()
    assert not reaper.temp_root.exists()
