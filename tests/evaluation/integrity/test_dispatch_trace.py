"""The dispatch trace sees PyTorch compute inside forward, names the answer's line, and ignores plumbing."""

from __future__ import annotations

import types

import torch

from multikernelbench.evaluation.integrity.dispatch_trace import ComputeTrace

ANSWER = "/answers/candidate.py"


def compiled(source: str) -> types.ModuleType:
    module = types.ModuleType("answer")
    exec(compile(source, ANSWER, "exec"), module.__dict__)  # noqa: S102 - test source
    return module


def trace(fn, *args) -> dict[str, list]:
    with torch.no_grad(), ComputeTrace(ANSWER) as seen:
        fn(*args)
    return {op: [count, where] for op, count, where in seen.result.as_rows()}


def test_compute_is_seen_with_the_answers_line() -> None:
    module = compiled("import torch\n\ndef forward(x):\n    y = x * 2\n    return torch.relu(y)\n")
    rows = trace(module.forward, torch.randn(4))
    assert rows == {"aten::mul": [1, "line 4"], "aten::relu": [1, "line 5"]}


def test_allocation_views_and_copies_are_plumbing() -> None:
    module = compiled(
        "import torch\n\ndef forward(x):\n"
        "    out = torch.empty_like(x)\n    v = x.view(2, 2).t().contiguous()\n"
        "    out.copy_(v.reshape(4))\n    z = torch.zeros(3)\n    return out.to(torch.float64)\n")
    assert trace(module.forward, torch.randn(4)) == {}


def test_operators_called_from_outside_the_answer_have_no_line() -> None:
    rows = trace(lambda x: x.sum(), torch.randn(3))
    assert rows == {"aten::sum": [1, ""]}


def test_counts_add_up_over_calls() -> None:
    module = compiled("def forward(x):\n    for _ in range(3):\n        x = x + 1\n    return x\n")
    assert trace(module.forward, torch.randn(2)) == {"aten::add": [3, "line 3"]}
