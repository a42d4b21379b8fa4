"""``mkb runs``: list the runs in a store, and delete or rename them.

Listing never creates a store: a missing file is a one-line error, as for ``mkb report``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from multikernelbench.errors import UserError
from multikernelbench.paths import default_store_path
from multikernelbench.store import Store

StoreOption = Annotated[Path | None, typer.Option(help="Results file (default: ./mkb-results/results.sqlite).")]

app = typer.Typer(help="List the stored runs; 'mkb runs delete NAME' and 'mkb runs rename OLD NEW' tidy them up.",
                  invoke_without_command=True, no_args_is_help=False)


def open_existing(store: Path | None) -> Store:
    """The store at ``store`` (or the default), which must already exist."""
    path = store or default_store_path()
    if not Path(path).is_file():
        raise UserError(f"no results store at {path}; run 'mkb run' first or pass --store PATH")
    return Store(path)


def _when(timestamp: float | None) -> str:
    return "-" if timestamp is None else time.strftime("%m-%d %H:%M", time.localtime(timestamp))


@app.callback()
def runs(ctx: typer.Context, store: StoreOption = None) -> None:
    """List the runs: model, backend, strategy; answers done (with a verdict), passed and pending; requests that
    got no answer; when each run last changed."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = store  # 'mkb runs --store F delete NAME' means that store too
        return
    opened = open_existing(store)
    try:
        infos = opened.runs()
        if not infos:
            Console(stderr=True).print(f"no runs in {opened.path}; run 'mkb run' first", markup=False)
            return
        table = Table(title=f"runs in {opened.path}", box=box.SIMPLE_HEAD)
        # Names fold rather than being cut short; counts never wrap.
        texts = {"run": [i.name for i in infos], "model": [i.model for i in infos],
                 "backend": [i.backend for i in infos], "strategy": [i.strategy for i in infos],
                 "sizes": [i.profile for i in infos]}
        for header, values in texts.items():
            table.add_column(header, overflow="fold", min_width=min(20, max(len(header), *map(len, values))))
        for header in ("done", "passed", "pending", "no answer"):
            table.add_column(header, justify="right", no_wrap=True)
        table.add_column("updated", no_wrap=True)
        for info in infos:
            progress = opened.progress(info.name)
            pending = "?" if progress.pending is None else str(progress.pending)
            table.add_row(info.name, info.model, info.backend, info.strategy, info.profile,
                          str(progress.evaluated), str(progress.passed), pending, str(progress.failed_requests),
                          _when(progress.last_activity or info.created_at))
        console = Console()
        if not console.is_terminal:  # a pipe or a log: no screen to fit, so nothing is cut
            console = Console(width=max(console.width, 200))
        console.print(table)
    finally:
        opened.close()


@app.command("delete")
def delete(ctx: typer.Context, names: Annotated[list[str], typer.Argument(metavar="RUN", help="Runs to delete.")],
           store: StoreOption = None,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False) -> None:
    """Delete runs with their answers and verdicts (answers cached by request stay cached)."""
    opened = open_existing(store or ctx.obj)
    try:
        known = {info.name for info in opened.runs()}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UserError(f"no run named {', '.join(repr(n) for n in unknown)} in {opened.path}; "
                            "'mkb runs' lists them")
        if not yes and not typer.confirm(f"delete {len(names)} run(s) ({', '.join(names)}) from {opened.path}?"):
            raise typer.Exit(1)
        for name in names:
            opened.delete_run(name)
            Console(stderr=True).print(f"deleted run '{name}'", markup=False, highlight=False)
    finally:
        opened.close()


@app.command("rename")
def rename(ctx: typer.Context, old: Annotated[str, typer.Argument(help="The run's name now.")],
           new: Annotated[str, typer.Argument(help="Its new name.")],
           store: StoreOption = None) -> None:
    """Give a run another name (resume it afterwards with --run-name NEW)."""
    if not new.strip():
        raise UserError("the new name is empty; pass a name such as 'gpt-cpp-trial2'")
    opened = open_existing(store or ctx.obj)
    try:
        opened.rename_run(old, new)
        Console(stderr=True).print(f"renamed run '{old}' to '{new}'", markup=False, highlight=False)
    finally:
        opened.close()
