"""Turning shared options into an evaluation configuration."""

from __future__ import annotations

import sys
from pathlib import Path

from multikernelbench.cli.options import make_config


def test_a_worker_python_in_a_venv_keeps_the_venvs_path(tmp_path: Path) -> None:
    # A venv's bin/python is a symlink to the base interpreter; following it would lose the venv's packages.
    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)
    args = (None, "strict", 5, None, False, None, 600.0, 300.0, 300.0, None)
    assert make_config(*args, worker_python=venv_python).worker_python == str(venv_python)
    relative = Path("venv/bin/python")
    assert make_config(*args, worker_python=relative).worker_python == str(Path.cwd() / relative)
