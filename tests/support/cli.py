"""Running ``mkb`` as a user does, in a subprocess, for the CLI tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def mkb(*args: str, cache: Path, env: dict[str, str] | None = None, check: bool = False,
        timeout: float = 600) -> subprocess.CompletedProcess:
    """``mkb ARGS`` with its build cache at ``cache``, run beside it (so no .env of the checkout is read).

    An API key from the tester's own environment never reaches it unless ``env`` passes one.
    """
    full_env = {**os.environ, "MKB_CACHE_DIR": str(cache), "COLUMNS": "200", **(env or {})}
    if "OPENAI_API_KEY" not in (env or {}):
        full_env.pop("OPENAI_API_KEY", None)
    result = subprocess.run([sys.executable, "-m", "multikernelbench.cli", *args], capture_output=True, text=True,
                            check=False, env=full_env, timeout=timeout, cwd=cache.parent)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def default_sigint() -> None:
    """``preexec_fn`` for a child a test interrupts with SIGINT: a shell that starts the tests in the
    background (``cmd &``) ignores SIGINT, its children inherit that, and Python then never sees Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
