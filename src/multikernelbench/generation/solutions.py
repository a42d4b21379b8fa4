"""The bundled reference solutions (``--model solutions``): hand-written answers in model format.

Each backend owns its folder of them (``Backend.material_dir()``, by default
``solutions/<backend>/<task>.txt``), written as a model would answer: a line of
prose and a fenced code block. They are the one-shot exemplars, the embedded
default run and the true positives of the tests.
"""

from __future__ import annotations

from pathlib import Path

from multikernelbench.backends.base import SOLUTIONS_ROOT
from multikernelbench.backends.registry import get_backend

SOLUTIONS_DIR = SOLUTIONS_ROOT
MODEL_NAME = "solutions"


def solutions_dir(backend: str) -> Path:
    """The folder of ``backend``'s bundled answers and prompt template."""
    return get_backend(backend).material_dir()


def solution_tasks(backend: str) -> list[str]:
    """Names of the tasks with a bundled solution for ``backend``, sorted."""
    return sorted(p.stem for p in solutions_dir(backend).glob("*.txt"))


def bundled_solution(task: str, backend: str) -> str | None:
    """The bundled answer for ``task`` on ``backend``, or None if there is none."""
    path = solutions_dir(backend) / f"{task}.txt"
    return path.read_text() if path.is_file() else None
