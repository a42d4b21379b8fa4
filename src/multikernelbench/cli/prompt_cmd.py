"""``mkb prompt``: print the exact messages a model is sent for one task, backend and strategy."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from multikernelbench.cli import options
from multikernelbench.generation.llm.base import Message
from multikernelbench.generation.prompts.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    build_messages,
    choose_exemplar,
)
from multikernelbench.tasks.loader import resolve_task


def prompt(
    task: Annotated[str | None, typer.Option(help="Bundled task name (see 'mkb tasks').")] = None,
    task_file: Annotated[Path | None, typer.Option(help="A KernelBench-format task file instead of --task.")] = None,
    backend: options.Backend = "cpp",
    strategy: Annotated[str, typer.Option(help=f"Prompt strategy: {', '.join(STRATEGIES)}.")] = DEFAULT_STRATEGY,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON list of {role, content} messages.")] = False,
) -> None:
    """Print the messages sent to a model, exactly as sent: each under a '=== role ===' header line."""
    chosen = resolve_task(task, str(task_file) if task_file else None)
    messages = build_messages(chosen, backend, strategy)
    note = choose_exemplar(chosen, strategy, backend).note
    if note:  # the example is not of the task's own category: say so, off the messages' stream
        print(f"note: {note}", file=sys.stderr)
    sys.stdout.write(format_json(messages) if as_json else format_plain(messages))


def format_plain(messages: list[Message]) -> str:
    """Each message under a ``=== role ===`` line; a newline is added only where the content lacks one."""
    parts: list[str] = []
    for message in messages:
        parts.append(f"=== {message.role} ===\n{message.content}")
        if not message.content.endswith("\n"):
            parts.append("\n")
    return "".join(parts)


def format_json(messages: list[Message]) -> str:
    """One JSON list of ``{"role", "content"}`` objects and a newline."""
    return json.dumps([{"role": m.role, "content": m.content} for m in messages], ensure_ascii=False) + "\n"
