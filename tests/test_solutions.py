"""True positives: every bundled reference solution builds, passes and is timed."""

from __future__ import annotations

import pytest

from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from multikernelbench.generation.solutions import bundled_solution, solution_tasks
from multikernelbench.tasks import bundled_tasks, load_task

SOLVED = solution_tasks("cpp")
# Each C++ build takes ~30 s on 2 cores: CI passes every category's exemplar; the rest are marked slow.
SOLVED_PARAMS = [
    pytest.param(name, marks=() if name in CATEGORY_EXEMPLARS.values() else pytest.mark.slow) for name in SOLVED
]


def test_at_least_twelve_tasks_have_bundled_solutions() -> None:
    assert len(SOLVED) >= 12
    assert set(SOLVED) <= set(bundled_tasks())


@pytest.mark.parametrize("name", SOLVED)
def test_solution_is_a_cpp_extension_answer(name: str) -> None:
    source = extract_candidate(bundled_solution(name, "cpp")).source
    assert source is not None
    assert "load_inline" in source and "cpp_sources" in source and "class ModelNew" in source
    assert f'name="mkb_solution_{name}"' in source


@pytest.mark.parametrize("name", SOLVED_PARAMS)
def test_bundled_solution_passes(evaluator: Evaluator, name: str) -> None:
    record = evaluator.evaluate(load_task(name), bundled_solution(name, "cpp"))
    assert record.passed, record.to_json()
    assert record.speedup is not None and record.speedup > 0
