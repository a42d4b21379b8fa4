"""``mkb tasks``: list the bundled tasks and their categories."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from multikernelbench.generation.solutions import solution_tasks
from multikernelbench.tasks.loader import select_tasks


def tasks(
    category: Annotated[str | None, typer.Option(help="Only tasks of this category.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
) -> None:
    """List the bundled tasks with their category, size profiles and bundled solutions."""
    chosen = select_tasks(category_names=[category] if category else None)
    solved = set(solution_tasks("cpp"))
    rows = [
        {
            "name": t.name,
            "category": t.category,
            "description": t.description,
            "profiles": list(t.profile_names),
            "solutions": ["cpp"] if t.name in solved else [],
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
    Console().print(table)
