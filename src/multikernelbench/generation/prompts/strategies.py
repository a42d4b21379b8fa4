"""Prompt strategies: the system and user messages that ask a model to rewrite one task for one backend.

- ``zero_shot``: the rules and the task, no example.
- ``add_shot`` (the published default): the same plus one worked example, always the
  elementwise-add exemplar.
- ``selected_shot``: the worked example is the exemplar of the task's own category.

A worked example is an exemplar task's source and the code of its bundled,
tested solution. A task is never shown its own solution. When a category's
exemplar is the task itself, ``selected_shot`` shows another task of the same
category with a bundled solution for the backend (the first by name, so the
prompt never changes); only when the category has none does it show the add
exemplar, and :func:`choose_exemplar` says why in a note.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from multikernelbench.backends.base import PROMPT_TEMPLATE
from multikernelbench.backends.registry import backend_specs
from multikernelbench.errors import UserError
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.generation.exemplars import ADD_EXEMPLAR, CATEGORY_EXEMPLARS
from multikernelbench.generation.llm.base import Message
from multikernelbench.generation.prompts import render_template, render_template_file
from multikernelbench.generation.solutions import bundled_solution, solution_tasks, solutions_dir
from multikernelbench.tasks.loader import bundled_tasks, load_task
from multikernelbench.tasks.task import Task

STRATEGIES = ("zero_shot", "add_shot", "selected_shot")
DEFAULT_STRATEGY = "add_shot"

# The exemplar shown when add_shot's own choice is the task itself.
_ADD_SHOT_FALLBACK = CATEGORY_EXEMPLARS["activation"]


def check_strategy(name: str) -> str:
    """``name`` if it is a known strategy, else a :class:`UserError` listing the choices."""
    if name not in STRATEGIES:
        raise UserError(f"unknown prompt strategy '{name}'; use --strategy with one of: {', '.join(STRATEGIES)}")
    return name


def backend_template(backend: str) -> Path:
    """The template that describes ``backend`` to the model: ``prompt.md.j2`` in the backend's own folder."""
    return solutions_dir(backend) / PROMPT_TEMPLATE


@dataclass(frozen=True)
class ExemplarChoice:
    """The exemplar task a prompt shows (None for zero_shot), and a note when ``selected_shot`` had to show
    one of another category."""

    name: str | None
    note: str | None = None


def exemplar_name(task: Task, strategy: str, backend: str) -> str | None:
    """The exemplar task shown to ``task`` under ``strategy`` for ``backend`` (None for zero_shot); never
    ``task`` itself."""
    return choose_exemplar(task, strategy, backend).name


def choose_exemplar(task: Task, strategy: str, backend: str) -> ExemplarChoice:
    """The exemplar shown to ``task``: see the module's docstring. Depends only on the bundled files."""
    check_strategy(strategy)
    if strategy == "zero_shot":
        return ExemplarChoice(None)
    # Compared by name: a foreign file named like a bundled task is not shown that task's solution either.
    fallback = next(name for name in (ADD_EXEMPLAR, _ADD_SHOT_FALLBACK) if name != task.name)
    if strategy == "add_shot":
        return ExemplarChoice(fallback)
    examples = category_examples(task.category, backend)
    same = [name for name in examples if name != task.name]
    if same:
        return ExemplarChoice(same[0])
    shown = f"{fallback} ({load_task(fallback).category})"
    if examples:
        why = f"{task.name} is the only {task.category} task with a bundled {backend} solution"
    else:
        why = f"no {task.category} task has a bundled {backend} solution"
    return ExemplarChoice(fallback, f"{why}, so selected_shot shows {shown} as its example")


@cache
def category_examples(category: str, backend: str) -> tuple[str, ...]:
    """The bundled tasks of ``category`` with a ``backend`` solution: its exemplar first, then the rest by name."""
    tasks = bundled_tasks()
    names = sorted(name for name in solution_tasks(backend) if name in tasks and tasks[name].category == category)
    exemplar = CATEGORY_EXEMPLARS.get(category)
    return tuple(sorted(names, key=lambda name: name != exemplar))


def strip_profiles(source: str) -> str:
    """``source`` without its module-level ``PROFILES = {...}`` assignment and the comment lines right above it.

    The size profiles are harness configuration, not part of the program the
    model rewrites. Every other byte is kept. A file without PROFILES, or one
    whose PROFILES shares a line with another statement, is returned unchanged.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines(keepends=True)
    for index, node in enumerate(tree.body):
        if not _assigns_profiles(node):
            continue
        first, last = node.lineno, node.end_lineno or node.lineno
        before = (tree.body[index - 1].end_lineno or 0) if index else 0
        after = tree.body[index + 1].lineno if index + 1 < len(tree.body) else len(lines) + 1
        if before >= first or after <= last:
            return source  # ``a = 1; PROFILES = {...}``: removing whole lines would remove more
        # A comment block directly above (no blank line between) describes PROFILES: it goes too.
        while first - 1 > before and lines[first - 2].lstrip().startswith("#"):
            first -= 1
        return "".join(lines[: first - 1] + lines[last:])
    return source


def _assigns_profiles(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == "PROFILES" for t in node.targets)
    return isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "PROFILES"


def build_messages(task: Task, backend: str, strategy: str) -> list[Message]:
    """The system and user messages asking for ``task`` rewritten for ``backend`` under ``strategy``."""
    check_strategy(strategy)
    known = _known_backends()
    if backend not in known:
        raise UserError(f"unknown backend '{backend}'; available backends: {', '.join(known)}")
    template = backend_template(backend)
    if not template.is_file():
        raise UserError(f"backend '{backend}' has no prompt description: add {template}")
    example_source = example_solution = None
    name = exemplar_name(task, strategy, backend)
    if name is not None:
        example_source, example_solution = _example(name, backend)
    system = render_template(
        "system.md.j2", backend=backend, backend_rules=render_template_file(template, backend=backend)
    )
    user = render_template(
        "user.md.j2",
        backend=backend,
        task_source=_as_block(strip_profiles(task.source)),
        example_source=example_source,
        example_solution=example_solution,
    )
    return [Message("system", system), Message("user", user)]


@cache
def _known_backends() -> tuple[str, ...]:
    # Reading entry points costs milliseconds: once per process, not once per prompt.
    return tuple(sorted(backend_specs()))


@cache
def _example(name: str, backend: str) -> tuple[str, str]:
    """An exemplar's task source and the code of its bundled ``backend`` answer, ready for code blocks."""
    answer = bundled_solution(name, backend)
    if answer is None:
        raise UserError(
            f"backend '{backend}' has no bundled solution of the exemplar task '{name}' to show as an example; "
            "use --strategy zero_shot"
        )
    code = extract_candidate(answer).source
    if code is None:
        raise UserError(f"the bundled {backend} solution of '{name}' holds no usable module; use --strategy zero_shot")
    return _as_block(strip_profiles(load_task(name).source)), _as_block(code)


def _as_block(text: str) -> str:
    # Templates close a fence right after the text: it must end with a newline.
    return text if text.endswith("\n") else text + "\n"
