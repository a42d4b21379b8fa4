"""Static facts about each task: dtypes, whether it mutates its inputs, flop and byte counts per profile.

Flops are what ``torch.utils.flop_counter.FlopCounterMode`` counts for the
reference (matrix products, convolutions, attention; elementwise work is not
counted). Bytes are the compulsory traffic: inputs, parameters and buffers
read once, outputs written once. Both are computed on the meta device, so the
full profile costs no memory. ``python -m multikernelbench.tasks.metadata``
rewrites the bundled ``library/metadata.json``; the tests check it is current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from multikernelbench.tasks.loader import LIBRARY_DIR, bundled_tasks
from multikernelbench.tasks.runtime import load_module, make_inputs, make_model, tensors_in
from multikernelbench.tasks.task import Task

METADATA_PATH = LIBRARY_DIR / "metadata.json"


def _nbytes(tensors: list[torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def profile_counts(task: Task, profile: str) -> dict[str, int | None]:
    """Flops and bytes of one forward of the reference at ``profile`` (None where meta tensors cannot run it)."""
    module = load_module(task, profile)
    try:
        with torch.device("meta"), torch.random.fork_rng(devices=[]):
            model = module.Model(*module.get_init_inputs())
            inputs = list(module.get_inputs())
            counter = FlopCounterMode(display=False)
            with counter, torch.no_grad():
                out = model(*inputs)
    except (NotImplementedError, RuntimeError):
        # Data-dependent ops (nonzero, .item()) cannot run on meta tensors.
        return {"flops": None, "bytes": None}
    state = list(model.parameters()) + list(model.buffers()) if isinstance(model, torch.nn.Module) else []
    return {
        "flops": int(counter.get_total_flops()),
        "bytes": _nbytes(tensors_in(inputs)) + _nbytes(state) + _nbytes(tensors_in(out)),
    }


def compute_metadata(task: Task) -> dict[str, Any]:
    """Everything the reports and prompts need to know about ``task``, from one small real run."""
    module = load_module(task, "small")
    cpu = torch.device("cpu")
    model = make_model(module.Model, module, 0, cpu)
    inputs = make_inputs(module, 1, cpu)
    before = [x.clone() if isinstance(x, torch.Tensor) else x for x in inputs]
    with torch.no_grad():
        out = model(*inputs)
    mutates = any(
        isinstance(a, torch.Tensor) and not torch.equal(a, b) for a, b in zip(inputs, before, strict=True)
    )
    return {
        "category": task.category,
        "description": task.description,
        "input_dtypes": [str(x.dtype).removeprefix("torch.") for x in tensors_in(inputs)],
        "output_dtypes": [str(x.dtype).removeprefix("torch.") for x in tensors_in(out)],
        "mutates_inputs": mutates,
        "profiles": {profile: profile_counts(task, profile) for profile in task.profile_names},
    }


def load_bundled_metadata() -> dict[str, dict[str, Any]]:
    """The stored metadata of every bundled task, by name."""
    return json.loads(METADATA_PATH.read_text()) if METADATA_PATH.exists() else {}


def write_bundled_metadata(path: Path = METADATA_PATH) -> int:
    data = {name: compute_metadata(task) for name, task in sorted(bundled_tasks().items())}
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return len(data)


if __name__ == "__main__":
    count = write_bundled_metadata()
    print(f"wrote metadata of {count} tasks to {METADATA_PATH}")
    sys.exit(0)
