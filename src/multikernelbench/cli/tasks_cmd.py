"""``mkb tasks``: list the bundled tasks and their categories."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from multikernelbench.backends.registry import backend_names
from multikernelbench.generation.solutions import solution_tasks
from multikernelbench.tasks.loader import load_task, select_tasks


def tasks(
    category: Annotated[str | None, typer.Option(help="Only tasks of this category.")] = None,
    source: Annotated[str | None, typer.Option(help="Print this task's reference source and exit.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
) -> None:
    """List the bundled tasks with their category, size profiles and bundled solutions."""
    if source is not None:
        print(load_task(source).source, end="")
        return
    chosen = select_tasks(category_names=[category] if category else None)
    solved = {name: set(solution_tasks(name)) for name in backend_names()}
    rows = [
        {
            "name": t.name,
            "category": t.category,
            "description": t.description,
            "profiles": list(t.profile_names),
            "solutions": [backend for backend, names in solved.items() if t.name in names],
        }
        for t in chosen
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{len(rows)} tasks")
    cells = [
        (r["category"], r["name"], ", ".join(r["profiles"]), ", ".join(r["solutions"]), r["description"])
        for r in sorted(rows, key=lambda r: (r["category"], r["name"]))
    ]
    for i, column in enumerate(("category", "task", "profiles", "solution")):
        # Identifiers are never shortened; only the description gives way on a narrow terminal.
        table.add_column(column, no_wrap=True, min_width=max([len(column)] + [len(c[i]) for c in cells]))
    table.add_column("description", ratio=1)
    for cell in cells:
        table.add_row(*cell)
    console = Console()
    console.print(table)
    counts = Counter(r["category"] for r in rows)
    console.print(", ".join(f"{c}: {n}" for c, n in sorted(counts.items())) + f" ({len(rows)} tasks)",
                  highlight=False, soft_wrap=True)
