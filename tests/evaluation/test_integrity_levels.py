"""--integrity strict|warn|off: what a flag does to a verdict, end to end on a plain-PyTorch answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.evaluation.evaluator import EvalConfig
from multikernelbench.records import EvalRecord
from multikernelbench.tasks import load_task
from tests.conftest import make_evaluator

FALLBACK = "```python\nimport torch\nimport torch.nn as nn\n\n\nclass ModelNew(nn.Module):\n" \
           "    def forward(self, x):\n        return torch.relu(x)\n```\n"


def evaluate(build_cache: Path, integrity: str) -> EvalRecord:
    return make_evaluator(build_cache, integrity=integrity).evaluate(load_task("relu"), FALLBACK)


def test_strict_fails_a_flagged_answer_and_does_not_time_it(build_cache: Path) -> None:
    record = evaluate(build_cache, "strict")
    assert record.correctness and record.failed_phase is None and not record.passed and record.failed_integrity
    assert record.runtime is None and [p.phase for p in record.phases] == ["extract", "build", "check"]
    checks = {(f.check, f.stage) for f in record.integrity_flags}
    # Seen in the source and again while forward ran: the operator, where, and that no own kernel launched.
    assert {("torch_compute", "static"), ("no_own_kernel", "static"), ("runtime_torch_op", "runtime"),
            ("own_kernel_not_run", "runtime")} <= checks
    runtime_op = next(f for f in record.integrity_flags if f.check == "runtime_torch_op")
    assert runtime_op.where == "line 7 (aten::relu)"
    data = record.to_json()
    assert data["cheating"] is True and data["passed"] is False and data["integrity"] == "strict"
    assert EvalRecord.from_json(data).integrity_flags == record.integrity_flags


def test_warn_records_the_flags_and_still_passes_and_times(build_cache: Path) -> None:
    record = evaluate(build_cache, "warn")
    assert record.passed and record.runtime is not None and record.integrity_flags
    assert record.to_json()["cheating"] is True


def test_off_checks_nothing(build_cache: Path) -> None:
    record = evaluate(build_cache, "off")
    assert record.passed and record.runtime is not None and record.integrity_flags == ()
    assert record.to_json()["cheating"] is None


def test_an_unknown_level_is_a_one_line_error() -> None:
    with pytest.raises(UserError, match="unknown integrity level 'lenient'"):
        EvalConfig(integrity="lenient")


def test_verdicts_stored_before_the_checks_existed_read_as_unchecked() -> None:
    data = evaluate_json_without_integrity()
    record = EvalRecord.from_json(data)
    assert record.integrity == "off" and record.integrity_flags == () and record.passed


def evaluate_json_without_integrity() -> dict:
    return {"task": "relu", "backend": "cpp", "profile": "small", "compiled": True, "correctness": True,
            "failed_phase": None, "error": None, "phases": [], "seed": 1, "cheating": None}
