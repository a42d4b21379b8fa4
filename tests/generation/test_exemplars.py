"""Category exemplars: one per category, each a bundled solution of a task in that category."""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.backends.cpp import CppBackend
from multikernelbench.errors import UserError
from multikernelbench.generation.exemplars import (
    ADD_EXEMPLAR,
    CATEGORY_EXEMPLARS,
    exemplar,
)
from multikernelbench.generation.solutions import solution_tasks
from multikernelbench.tasks.loader import categories

BACKENDS = ("cpp", "cuda", "triton", "pallas")


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_category_has_an_exemplar_with_a_solution_on_every_backend(backend: str) -> None:
    assert set(CATEGORY_EXEMPLARS) == set(categories())
    assert set(CATEGORY_EXEMPLARS.values()) <= set(solution_tasks(backend))


@pytest.mark.parametrize("category", sorted(CATEGORY_EXEMPLARS))
def test_exemplar_belongs_to_its_category(category: str) -> None:
    task, answer = exemplar(category, "cpp")
    assert task.category == category
    assert "class ModelNew" in answer and "load_inline" in answer


def test_add_exemplar_is_the_broadcast_add() -> None:
    task, _ = exemplar("broadcast", "cpp")
    assert task.name == ADD_EXEMPLAR


def test_unknown_category_or_backend_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="no exemplar for category"):
        exemplar("nope", "cpp")
    with pytest.raises(UserError, match="unknown backend 'nope'"):
        exemplar("activation", "nope")
    # A backend is found through its own folder of material: an empty one has no exemplar to show.
    monkeypatch.setattr(CppBackend, "material_dir", classmethod(lambda cls: tmp_path))
    with pytest.raises(UserError, match="no bundled cpp solution"):
        exemplar("activation", "cpp")
