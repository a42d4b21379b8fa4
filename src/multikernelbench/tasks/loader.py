"""Finding tasks: the bundled library by name or category, or any task file by path."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from multikernelbench.errors import UserError
from multikernelbench.tasks.task import Task, read_task_file

LIBRARY_DIR = Path(__file__).parent / "library"


@cache
def bundled_tasks() -> dict[str, Task]:
    """All bundled tasks by name, read from ``library/<category>/<name>.py``."""
    tasks: dict[str, Task] = {}
    for path in sorted(LIBRARY_DIR.glob("*/*.py")):
        if path.name.startswith("_"):
            continue
        tasks[path.stem] = read_task_file(path, category=path.parent.name)
    return tasks


def categories() -> list[str]:
    """Bundled categories, sorted."""
    return sorted({t.category for t in bundled_tasks().values()})


def load_task(name: str) -> Task:
    """A bundled task by name."""
    tasks = bundled_tasks()
    if name not in tasks:
        raise UserError(f"unknown task '{name}'; run 'mkb tasks' to list the bundled tasks or pass --task-file PATH")
    return tasks[name]


def load_task_file(path: str | Path, category: str | None = None) -> Task:
    """Any KernelBench/MultiKernelBench-format task file."""
    return read_task_file(Path(path), category=category)


def resolve_task(name: str | None, path: str | None) -> Task:
    """Exactly one of a bundled name or a file path, as the CLI takes them."""
    if (name is None) == (path is None):
        raise UserError("give exactly one of --task NAME or --task-file PATH")
    return load_task(name) if name is not None else load_task_file(path)  # type: ignore[arg-type]


def select_tasks(names: list[str] | None = None, category_names: list[str] | None = None) -> list[Task]:
    """Bundled tasks filtered by name and/or category (all when neither is given)."""
    tasks = bundled_tasks()
    known = set(categories())
    for c in category_names or []:
        if c not in known:
            raise UserError(f"unknown category '{c}'; known categories: {', '.join(sorted(known))}")
    chosen = [load_task(n) for n in names] if names else list(tasks.values())
    if category_names:
        chosen = [t for t in chosen if t.category in category_names]
    return chosen
