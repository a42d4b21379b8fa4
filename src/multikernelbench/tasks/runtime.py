"""Turning a task into live objects inside a worker: module, model and seeded inputs.

Imports torch; only evaluation workers and tests use it, never the CLI's parent process.
"""

from __future__ import annotations

import ast
import types
from typing import Any

import torch

from multikernelbench.tasks.task import Task


def load_module(task: Task, profile: str) -> types.ModuleType:
    """Execute the task's source with the profile's constants substituted where they are assigned.

    Substituting in the source (not patching afterwards) keeps derived constants
    right: ``bias_shape = (out_channels, 1, 1)`` follows a smaller ``out_channels``.
    """
    module = types.ModuleType(f"mkb_task_{task.name}")
    module.__file__ = task.path
    tree = _with_constants(ast.parse(task.source, filename=task.path), task.profile_constants(profile))
    exec(compile(tree, task.path, "exec"), module.__dict__)  # noqa: S102 - task files are trusted input
    return module


def _with_constants(tree: ast.Module, values: dict[str, Any]) -> ast.Module:
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in values:
                node.value = ast.copy_location(ast.parse(repr(values[name]), mode="eval").body, node.value)
    return ast.fix_missing_locations(tree)


def make_inputs(module: types.ModuleType, seed: int, device: torch.device) -> list[Any]:
    """``get_inputs()`` under a fixed seed, made directly on ``device``.

    The task's generators run with ``device`` as the default device, so an accelerator
    draws its own inputs (host-side generation and a copy cost seconds per large input
    set). A generator that insists on the host is moved over afterwards.
    """
    device = torch.device(device)
    accelerator = [] if device.type == "cpu" else [device.index or 0]
    with torch.random.fork_rng(devices=accelerator, device_type=device.type if accelerator else "cuda"), device:
        torch.manual_seed(seed)
        inputs = list(module.get_inputs())
    return [x.to(device) if isinstance(x, torch.Tensor) else x for x in inputs]


def make_model(model_cls: type, module: types.ModuleType, seed: int, device: torch.device) -> torch.nn.Module:
    """Construct ``model_cls(*get_init_inputs())`` with parameters drawn from ``seed``.

    The reference and the candidate are built with the same seed so that
    models with weights start from identical parameters.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        init_inputs = list(module.get_init_inputs())
        model = model_cls(*init_inputs)
    if isinstance(model, torch.nn.Module):
        model = model.to(device)
    return model


def tensors_in(value: Any) -> list[torch.Tensor]:
    """The tensors in a value that may be a tensor or a (nested) tuple or list."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in tensors_in(v)]
    return []
