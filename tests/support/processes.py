"""Finding and waiting for processes from outside any sandbox, for the containment and cleanup tests."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def pids_with_arg(arg: str) -> list[int]:
    """Live processes with ``arg`` as one of their arguments (a zombie has none), seen from outside any sandbox."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                if arg.encode() in file.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
