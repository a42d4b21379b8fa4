"""The task record, read from a task file's source without running it.

A task file is a KernelBench/MultiKernelBench-style module: ``class Model``,
``get_inputs()`` and ``get_init_inputs()`` reading module-level size constants.
Ours add ``PROFILES = {"small": {...}}``: constants that replace the file's
own for a size profile. The file as written is the ``full`` profile.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multikernelbench.errors import UserError

FULL = "full"
SMALL = "small"


@dataclass(frozen=True)
class Task:
    """A reference task: its source and what can be read from it statically."""

    name: str
    category: str
    source: str
    path: str
    description: str = ""
    #: Module-level constants as written (source text of each value, e.g. "(out_channels, 1, 1)").
    constants: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def profile_names(self) -> tuple[str, ...]:
        return (FULL, *sorted(self.profiles))

    def profile_constants(self, profile: str) -> dict[str, Any]:
        """Module constants to override for ``profile`` (empty for ``full``)."""
        if profile == FULL:
            return {}
        if profile not in self.profiles:
            raise UserError(
                f"task '{self.name}' has no '{profile}' size profile; "
                f"use --size with one of: {', '.join(self.profile_names)}"
            )
        return dict(self.profiles[profile])

    def default_profile(self, preferred: str) -> str:
        """``preferred`` when the task defines it, else ``full``."""
        return preferred if preferred in self.profile_names else FULL


def parse_task_source(source: str, *, name: str, category: str, path: str) -> Task:
    """Build a :class:`Task` from source text, checking it has the required definitions."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise UserError(f"task file {path} has a syntax error at line {exc.lineno}: {exc.msg}") from None
    defined = _top_level_names(tree)
    missing = [n for n in ("Model", "get_inputs", "get_init_inputs") if n not in defined]
    if missing:
        raise UserError(
            f"task file {path} does not define {', '.join(missing)}; "
            "a task file needs class Model, get_inputs() and get_init_inputs()"
        )
    constants = _constant_sources(tree)
    try:
        profiles = ast.literal_eval(constants.pop("PROFILES", "{}"))
    except (ValueError, SyntaxError):
        profiles = None
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise UserError(f"task file {path}: PROFILES must be a literal dict mapping profile names to dicts of constants")
    for profile, values in profiles.items():
        unknown = sorted(set(values) - set(constants))
        if unknown:
            raise UserError(f"task file {path}: profile '{profile}' sets {', '.join(unknown)}, not module constants")
    return Task(
        name=name,
        category=category,
        source=source,
        path=path,
        description=(ast.get_docstring(tree) or "").strip().splitlines()[0] if ast.get_docstring(tree) else "",
        constants=constants,
        profiles=profiles,
    )


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _constant_sources(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = <expression>`` assignments outside functions, as source text."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.unparse(node.value)
    return found


def read_task_file(path: Path, *, category: str | None = None) -> Task:
    """Read a task file from disk; its name is the file's stem."""
    try:
        source = path.read_text()
    except FileNotFoundError:
        raise UserError(f"task file {path} does not exist; check the path given to --task-file") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise UserError(f"cannot read task file {path} ({type(exc).__name__}); pass a Python task file") from None
    return parse_task_source(source, name=path.stem, category=category or "custom", path=str(path))


def with_constants(task: Task, values: dict[str, Any]) -> Task:
    """``task`` with module-level constants set to ``values`` in every size profile (``mkb eval --set``).

    The source is rewritten where each constant is assigned, and in ``PROFILES`` where a profile sets it,
    so constants derived from it follow and every process that loads the task reads the same file.
    """
    if not values:
        return task
    unknown = sorted(set(values) - set(task.constants))
    if unknown:
        known = ", ".join(sorted(task.constants)) or "none"
        raise UserError(f"--set {unknown[0]}: task file {task.path} has no module-level constant {unknown[0]}; "
                        f"its constants: {known}")
    profiles = {p: {k: values.get(k, v) for k, v in d.items()} for p, d in task.profiles.items()}
    edits: list[tuple[ast.expr, str]] = []
    for node in ast.parse(task.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in values:
                edits.append((node.value, repr(values[name])))
            elif name == "PROFILES" and profiles != task.profiles:
                edits.append((node.value, repr(profiles)))
    return parse_task_source(_splice(task.source, edits), name=task.name, category=task.category, path=task.path)


def _splice(source: str, edits: list[tuple[ast.expr, str]]) -> str:
    """``source`` with each node's text replaced (ast columns count UTF-8 bytes, so bytes are edited)."""
    data = source.encode()
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column

    # From the end backwards, so the offsets of the edits still to make stay right.
    for node, text in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        start = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset)
        data = data[:start] + text.encode() + data[end:]
    return data.decode()
