"""Nothing outlives an interrupted ``mkb``: its compilers, the answer's daemons and its temporary folders.

``mkb eval`` runs for real in a subprocess (no C++ build: a stand-in compiler that only sleeps, or an
answer that starts a daemon at import), is killed with SIGKILL or SIGINT once the process to watch is
up, and everything it started must be gone within seconds.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.processes import pids_with_arg, wait_until
from tests.support.cli import default_sigint

ANSWER_WITH_DAEMON = """```python
import os, subprocess, sys
import torch.nn as nn
# A daemon in a session of its own, started while the answer builds: it must not survive the run.
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"], start_new_session=True,
                 env={{}})
import time
time.sleep(300)


class ModelNew(nn.Module):
    def forward(self, x):
        return x
```
"""


def start_eval(tmp_path: Path, answer: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path]:
    (tmp_path / "answer.md").write_text(answer)
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    command = [sys.executable, "-m", "multikernelbench.cli", "eval", "--task", "relu", "--backend", "cpp",
               "--response", str(tmp_path / "answer.md"), "--cache-dir", str(tmp_path / "cache"), "--no-timing"]
    proc = subprocess.Popen(command, env={**os.environ, "TMPDIR": str(temp_root), **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=default_sigint)
    return proc, temp_root


def assert_all_gone(proc: subprocess.Popen, marker: str, temp_root: Path) -> None:
    proc.wait(timeout=10)
    assert wait_until(lambda: not pids_with_arg(marker), 10.0), f"still running: {pids_with_arg(marker)}"
    assert wait_until(lambda: not any(temp_root.iterdir()), 10.0), list(temp_root.rglob("*"))


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_compiler_dies_with_the_run(tmp_path: Path, how: signal.Signals) -> None:
    marker = f"mkb-test-compiler-{uuid.uuid4().hex}"
    compiler = tmp_path / "slow-g++"
    # Answers the version probes like g++; any real compile sleeps, carrying the marker in its arguments.
    compiler.write_text(f'#!/bin/sh\n[ "$1" = --version ] && exec g++ --version\n'
                        f'exec {sys.executable} -c "import time; time.sleep(300)" {marker}\n')
    compiler.chmod(compiler.stat().st_mode | stat.S_IXUSR)
    answer = (Path(__file__).parents[2] / "src/multikernelbench/solutions/cpp/relu.txt").read_text()
    proc, temp_root = start_eval(tmp_path, answer, {"CXX": str(compiler)})
    assert wait_until(lambda: bool(pids_with_arg(marker)), 90.0), "the compiler never started"
    os.kill(proc.pid, how)
    assert_all_gone(proc, marker, temp_root)


def test_a_daemon_the_answer_starts_dies_with_the_run(tmp_path: Path) -> None:
    marker = f"mkb-test-daemon-{uuid.uuid4().hex}"
    proc, temp_root = start_eval(tmp_path, ANSWER_WITH_DAEMON.format(marker=marker))
    assert wait_until(lambda: bool(pids_with_arg(marker)), 90.0), "the daemon never started"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    assert_all_gone(proc, marker, temp_root)
