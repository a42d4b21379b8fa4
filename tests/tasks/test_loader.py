"""The task library and the loader of foreign task files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from multikernelbench.errors import UserError
from multikernelbench.tasks import bundled_tasks, load_task, load_task_file, resolve_task
from multikernelbench.tasks.loader import select_tasks
from multikernelbench.tasks.runtime import load_module, make_inputs, make_model

MANIFEST = Path(__file__).resolve().parents[3] / "shared" / "tasks" / "manifest.json"


def manifest_entries() -> dict[str, dict]:
    if not MANIFEST.exists():
        pytest.skip("shared/tasks/manifest.json is not beside this checkout")
    return {t["name"]: t for t in json.loads(MANIFEST.read_text())["tasks"]}


def test_bundles_all_activation_and_reduce_tasks() -> None:
    tasks = bundled_tasks()
    by_category: dict[str, set[str]] = {}
    for t in tasks.values():
        by_category.setdefault(t.category, set()).add(t.name)
    assert len(by_category["activation"]) == 15
    assert len(by_category["reduce"]) == 5


@pytest.mark.parametrize("name", sorted(bundled_tasks()))
def test_small_profile_is_seeded_and_much_smaller_than_full(name: str) -> None:
    task = load_task(name)
    assert "small" in task.profile_names
    module = load_module(task, "small")
    first = make_inputs(module, 7, torch.device("cpu"))
    again = make_inputs(module, 7, torch.device("cpu"))
    assert all(torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b for a, b in zip(first, again))
    with torch.device("meta"):
        full_inputs = load_module(task, "full").get_inputs()
    small_numel = sum(x.numel() for x in first if isinstance(x, torch.Tensor))
    full_numel = sum(x.numel() for x in full_inputs if isinstance(x, torch.Tensor))
    assert small_numel <= full_numel


def test_product_reduction_output_is_not_trivially_zero() -> None:
    module = load_module(load_task("product_reduction_over_a_dimension"), "small")
    model = make_model(module.Model, module, seed=0, device=torch.device("cpu"))
    out = model(*make_inputs(module, 1, torch.device("cpu")))
    assert out.abs().min() > 1e-3 and torch.isfinite(out).all()


def test_unknown_task_is_a_user_error() -> None:
    with pytest.raises(UserError, match="mkb tasks"):
        load_task("no_such_task")


def test_resolve_task_needs_exactly_one_source(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="exactly one"):
        resolve_task(None, None)
    with pytest.raises(UserError, match="exactly one"):
        resolve_task("relu", str(tmp_path / "x.py"))


def test_foreign_task_file_loads_with_full_profile_only(tmp_path: Path) -> None:
    path = tmp_path / "scale_by_two.py"
    path.write_text(
        "import torch\nimport torch.nn as nn\n\n"
        "class Model(nn.Module):\n    def forward(self, x):\n        return x * 2\n\n"
        "n = 64\n\ndef get_inputs():\n    return [torch.randn(n)]\n\n"
        "def get_init_inputs():\n    return []\n"
    )
    task = load_task_file(path)
    assert task.name == "scale_by_two" and task.category == "custom"
    assert task.profile_names == ("full",)
    assert task.default_profile("small") == "full"
    with pytest.raises(UserError, match="no 'small' size profile"):
        task.profile_constants("small")
    module = load_module(task, "full")
    assert make_inputs(module, 0, torch.device("cpu"))[0].shape == (64,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def broken(:\n", "syntax error"),
        ("import torch\nclass Model: pass\n", "get_inputs"),
    ],
)
def test_bad_task_files_are_user_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(text)
    with pytest.raises(UserError, match=message):
        load_task_file(path)


def test_missing_task_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_task_file(tmp_path / "missing.py")


def test_select_tasks_by_category_and_unknown_category() -> None:
    assert {t.category for t in select_tasks(category_names=["reduce"])} == {"reduce"}
    with pytest.raises(UserError, match="unknown category"):
        select_tasks(category_names=["nope"])
