"""The bundled reference solutions (``--model solutions``): hand-written answers in model format.

They live under ``solutions/<backend>/<task>.txt`` as a model would answer: a
line of prose and a fenced code block. They are the embedded default run and
the true positives of the tests.
"""

from __future__ import annotations

from pathlib import Path

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"
MODEL_NAME = "solutions"


def solution_tasks(backend: str) -> list[str]:
    """Names of the tasks with a bundled solution for ``backend``, sorted."""
    return sorted(p.stem for p in (SOLUTIONS_DIR / backend).glob("*.txt"))


def bundled_solution(task: str, backend: str) -> str | None:
    """The bundled answer for ``task`` on ``backend``, or None if there is none."""
    path = SOLUTIONS_DIR / backend / f"{task}.txt"
    return path.read_text() if path.is_file() else None
