"""Turning a task into live objects inside a worker: module, model and seeded inputs.

Imports torch; only evaluation workers and tests use it, never the CLI's parent process.
"""

from __future__ import annotations

import types
from typing import Any

import torch

from multikernelbench.tasks.task import Task


def load_module(task: Task, profile: str) -> types.ModuleType:
    """Execute the task's source with the profile's constants applied."""
    module = types.ModuleType(f"mkb_task_{task.name}")
    module.__file__ = task.path
    exec(compile(task.source, task.path, "exec"), module.__dict__)  # noqa: S102 - task files are trusted input
    module.__dict__.update(task.profile_constants(profile))
    return module


def make_inputs(module: types.ModuleType, seed: int, device: torch.device) -> list[Any]:
    """``get_inputs()`` under a fixed seed, moved to ``device``."""
    with torch.random.fork_rng(devices=[]):
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
