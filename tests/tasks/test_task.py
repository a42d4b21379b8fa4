"""Setting a task's module-level constants (``mkb eval --set``): the source is rewritten where they are assigned."""

from __future__ import annotations

import pytest
import torch

from multikernelbench.errors import UserError
from multikernelbench.tasks.loader import load_task
from multikernelbench.tasks.runtime import load_module, make_inputs
from multikernelbench.tasks.task import parse_task_source, with_constants

SOURCE = '''"""Ünïcode before the sizes moves their byte offsets: ✓."""
import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.features = features

    def forward(self, x):
        return x * 2


batch_size = 4096  # ✓ a comment after the value stays
features = 1024
größe = 7  # a name of more bytes than characters: ast columns count bytes
shape = (
    batch_size,
    features,
)
PROFILES = {"small": {"batch_size": 16, "features": 32}}


def get_inputs():
    return [torch.randn(*shape)]


def get_init_inputs():
    return [features]
'''


def task():  # type: ignore[no-untyped-def]
    return parse_task_source(SOURCE, name="double", category="custom", path="double.py")


def test_set_values_reach_every_profile_and_derived_constants_follow() -> None:
    changed = with_constants(task(), {"batch_size": 3, "features": 5, "größe": 9})
    assert changed.constants["batch_size"] == "3" and changed.constants["features"] == "5"
    assert "größe = 9  # a name" in changed.source
    assert changed.profiles == {"small": {"batch_size": 3, "features": 5}}
    assert "# ✓ a comment after the value stays" in changed.source
    for profile in ("full", "small"):
        module = load_module(changed, profile)
        assert module.shape == (3, 5) and module.get_init_inputs() == [5]
        assert make_inputs(module, 0, torch.device("cpu"))[0].shape == (3, 5)


def test_a_multi_line_value_is_replaced_whole_and_a_profile_not_touching_it_is_kept() -> None:
    changed = with_constants(task(), {"shape": (2, 7)})
    assert changed.constants["shape"] == "(2, 7)"
    assert changed.profiles == task().profiles
    assert load_module(changed, "small").shape == (2, 7)


def test_a_bundled_tasks_small_profile_takes_the_set_value() -> None:
    relu = with_constants(load_task("relu"), {"dim": 8})
    assert relu.profiles["small"]["dim"] == 8 and load_module(relu, "small").dim == 8
    assert load_task("relu").profiles["small"]["dim"] != 8  # the loaded task itself is untouched


def test_nothing_to_set_keeps_the_task() -> None:
    original = task()
    assert with_constants(original, {}) is original


def test_an_unknown_name_is_a_one_line_error_listing_the_constants() -> None:
    with pytest.raises(UserError) as caught:
        with_constants(task(), {"batch": 3})
    message = str(caught.value)
    assert message == ("--set batch: task file double.py has no module-level constant batch; "
                       "its constants: batch_size, features, größe, shape")
