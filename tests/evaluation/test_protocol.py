"""The typed parent<->worker protocol: requests and reports survive the trip, and nothing else is a report."""

from __future__ import annotations

import json

from multikernelbench.evaluation.protocol import (
    BuildReport,
    CheckReport,
    Done,
    EnvReport,
    Failure,
    PhaseStarted,
    TaskSpec,
    TimeReport,
    TimingSpec,
    WorkerRequest,
    decode_report,
    encode_report,
)


def test_a_request_round_trips_with_its_nested_types() -> None:
    request = WorkerRequest(step="check", backend="triton", mode="interpreter", candidate_path="/w/c.py",
                            module_name="mkb_c", build_dir="/cache/b",
                            task=TaskSpec("relu", "activation", "/t/relu.py", "source"), input_seeds=(3, 4, 5),
                            timing=TimingSpec(warmup=1, min_trials=2, cuda_graphs=True), compile_baseline=True)
    again = WorkerRequest.from_json(request.to_json())
    assert again == request
    assert isinstance(again.task, TaskSpec) and isinstance(again.timing, TimingSpec)
    assert isinstance(again.input_seeds, tuple)
    build = WorkerRequest(step="build", backend="cpp", mode="native", candidate_path="c", module_name="m", build_dir="b")
    assert WorkerRequest.from_json(build.to_json()) == build and build.task is None and build.timing is None


def test_every_report_round_trips() -> None:
    reports = [
        PhaseStarted("check"),
        EnvReport({"device": "cpu"}, {"torch": "2.13.0"}),
        BuildReport(ok=True, seconds=1.5, cache_hit=True),
        CheckReport(ok=False, seconds=0.2, error="mismatch", failure=Failure.MISMATCH.value, trials=2),
        TimeReport(ok=True, seconds=3.0, candidate_ms=(1.0, 1.1), baseline_ms=(2.0, 2.2), clock="device_events",
                   warnings=("busy",)),
        Done(),
    ]
    for report in reports:
        line = encode_report(report)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert decode_report(line) == report


def test_anything_else_on_the_pipe_is_ignored() -> None:
    assert decode_report(b"hello from the candidate\n") is None
    assert decode_report(b"[1, 2]\n") is None
    assert decode_report(json.dumps({"type": "Verdict", "passed": True}).encode()) is None
    # A report type with fields it does not have is not a report either.
    assert decode_report(json.dumps({"type": "CheckReport", "ok": True}).encode()) is None
    assert decode_report(json.dumps({"type": "Done", "extra": 1}).encode()) == Done()
