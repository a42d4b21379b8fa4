"""Every bundled task passes the quality checks; the checks themselves catch broken tasks."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from multikernelbench.tasks import bundled_tasks, load_task, load_task_file
from multikernelbench.tasks.metadata import compute_metadata, load_bundled_metadata, profile_counts
from multikernelbench.evaluation.task_quality import check_task
from tests.tasks.test_loader import manifest_entries

ALL_TASKS = sorted(bundled_tasks())


@pytest.mark.parametrize("name", ALL_TASKS)
def test_bundled_task_passes_every_quality_check(name: str) -> None:
    report = check_task(load_task(name), manifest_entries()[name])
    assert report.problems == []
    assert report.small_forward_s < 2.0


@pytest.mark.parametrize("name", ALL_TASKS)
def test_bundled_metadata_is_current(name: str) -> None:
    stored = load_bundled_metadata()
    assert name in stored, "run: python -m multikernelbench.tasks.metadata"
    assert stored[name] == json.loads(json.dumps(compute_metadata(load_task(name))))


def write_task(tmp_path: Path, model: str, inputs: str = "[torch.randn(n, 8)]", init: str = "[]") -> Path:
    path = tmp_path / "candidate_task.py"
    path.write_text(
        '"""A task under test."""\nimport torch\nimport torch.nn as nn\n\n'
        + textwrap.dedent(model)
        + "\n\nn = 64\n\nPROFILES = {\"small\": {\"n\": 16}}\n\n"
        + f"def get_inputs():\n    return {inputs}\n\n\ndef get_init_inputs():\n    return {init}\n"
    )
    return path


def problems_of(path: Path, entry: dict | None = None) -> list[str]:
    return check_task(load_task_file(path), entry).problems


def test_a_healthy_task_has_no_problems(tmp_path: Path) -> None:
    path = write_task(tmp_path, """
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(8, 4)

        def forward(self, x):
            return torch.relu(self.linear(x))
    """)
    assert problems_of(path) == []


def test_dead_input_and_dead_parameter_are_found(tmp_path: Path) -> None:
    path = write_task(tmp_path, """
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(8, 8)
            self.unused = nn.Linear(8, 8)

        def forward(self, x, y):
            return self.used(x)
    """, inputs="[torch.randn(n, 8), torch.randn(n, 8)]")
    problems = problems_of(path)
    assert any("input 1 is dead" in p for p in problems)
    assert any("unused.weight" in p for p in problems)


def test_output_that_collapses_to_a_constant_is_found(tmp_path: Path) -> None:
    path = write_task(tmp_path, """
    class Model(nn.Module):
        def forward(self, x):
            return torch.prod(x, dim=0)  # thousands of normals: underflows to zero
    """, inputs="[torch.randn(n * 64, 8)]")
    problems = problems_of(path)
    assert any("constant output (zeros) passes" in p for p in problems)


def test_nondeterministic_and_non_finite_tasks_are_found(tmp_path: Path) -> None:
    path = write_task(tmp_path, """
    class Model(nn.Module):
        def forward(self, x):
            return torch.log(x) + torch.rand(x.shape)
    """)
    problems = problems_of(path)
    assert any("nondeterministic" in p for p in problems)
    assert any("NaN or Inf" in p for p in problems)


def test_manifest_mismatches_are_found(tmp_path: Path) -> None:
    path = write_task(tmp_path, """
    class Model(nn.Module):
        def forward(self, x):
            return x * 2
    """)
    entry = {"category": "custom", "inputs": [{"shape": [64, 9], "dtype": "float32"}], "init_inputs": [],
             "module_constants": {"n": "64", "m": "3"}}
    problems = problems_of(path, entry)
    assert any("differ from the manifest" in p for p in problems)
    assert any("module constant m missing" in p for p in problems)


def test_flop_and_byte_counts_of_a_matmul(tmp_path: Path) -> None:
    path = write_task(tmp_path, """
    class Model(nn.Module):
        def forward(self, a, b):
            return a @ b
    """, inputs="[torch.randn(n, 32), torch.randn(32, 8)]")
    task = load_task_file(path)
    assert profile_counts(task, "full") == {"flops": 2 * 64 * 32 * 8, "bytes": 4 * (64 * 32 + 32 * 8 + 64 * 8)}
    assert profile_counts(task, "small")["flops"] == 2 * 16 * 32 * 8
    meta = compute_metadata(task)
    assert meta["input_dtypes"] == ["float32", "float32"] and meta["mutates_inputs"] is False
