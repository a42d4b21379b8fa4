"""The torch.compile baseline: timed beside the candidate and the eager reference, never deciding the verdict.

The failure paths use the C++ compiler setting inductor itself honours (``CXX``,
read into ``torch._inductor.config.cpp.cxx``) with plain-PyTorch candidates,
which need no compiler, so only the baseline is affected.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from multikernelbench.backends.devices import HostCPU
from multikernelbench.cli.eval_cmd import print_verdict
from multikernelbench.cli.options import make_config
from multikernelbench.evaluation.evaluator import EvalConfig
from multikernelbench.evaluation.protocol import TimingSpec
from multikernelbench.evaluation.timing import LocalTimer, time_interleaved
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.records import EvalRecord, PhaseResult, TimingStats
from multikernelbench.tasks import load_task
from tests.conftest import make_evaluator
from tests.evaluation.test_evaluator_verdicts import relu_model
from tests.support.verdicts import why_not_passed


def time_detail(record: EvalRecord) -> dict:
    return next(p for p in record.phases if p.phase == "time").detail


# ---- end to end, through the worker ----


def test_passing_candidate_is_timed_against_torch_compile(build_cache: Path) -> None:
    evaluator = make_evaluator(build_cache, compile_baseline=True)
    record = evaluator.evaluate(load_task("relu"), bundled_solution("relu", "cpp"))
    assert record.passed, why_not_passed(record)
    assert record.compile_baseline is not None and record.runtime is not None and record.baseline is not None
    # Interleaved: every trial timed all three.
    assert record.compile_baseline.num_trials == record.runtime.num_trials == record.baseline.num_trials
    assert record.compile_baseline.median > 0 and record.speedup_compile > 0
    assert record.speedup_compile == pytest.approx(record.compile_baseline.median / record.runtime.median)
    detail = time_detail(record)
    assert detail["compile_baseline_compile_s"] > 0 and "compile_baseline_error" not in detail
    data = json.loads(json.dumps(record.to_json()))
    assert data["compile_baseline_performance"]["median"] == record.compile_baseline.median
    assert data["speedup_compile"] == pytest.approx(record.speedup_compile)
    again = EvalRecord.from_json(data)
    assert again.compile_baseline == record.compile_baseline and again.speedup_compile == record.speedup_compile
    # The compiled reference was cached under the evaluator's cache, for the next worker to reuse.
    assert any((build_cache / "inductor").rglob("*.so"))


def test_disabled_compile_baseline_is_not_measured(build_cache: Path) -> None:
    evaluator = make_evaluator(build_cache, compile_baseline=False)
    record = evaluator.evaluate(load_task("relu"), bundled_solution("relu", "cpp"))
    assert record.passed and record.runtime is not None and record.baseline is not None
    assert record.compile_baseline is None and record.speedup_compile is None
    assert not any(key.startswith("compile_baseline") for key in time_detail(record))
    data = record.to_json()
    assert data["compile_baseline_performance"] is None and data["speedup_compile"] is None


def test_a_reference_inductor_cannot_compile_leaves_the_candidate_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    cache = tmp_path / "cache"  # empty: no compiled baseline to fall back on
    inductor = str((cache / "inductor").resolve())
    # The candidate also proves the worker was pointed at the evaluator's inductor cache.
    body = f"import os\nassert os.environ['TORCHINDUCTOR_CACHE_DIR'] == {inductor!r}\nreturn torch.relu(x)\n"
    # A plain-PyTorch stand-in answer: integrity checks off, or it would be flagged and never timed.
    record = make_evaluator(cache, compile_baseline=True, integrity="off").evaluate(load_task("relu"),
                                                                                    relu_model(body))
    assert record.passed, why_not_passed(record)
    assert record.runtime is not None and record.baseline is not None and record.speedup > 0
    assert record.compile_baseline is None and record.speedup_compile is None
    error = time_detail(record)["compile_baseline_error"]
    assert "No working C++ compiler" in error and "\n" not in error and len(error) <= 300
    assert record.to_json()["compile_baseline_performance"] is None


def test_a_compile_that_hangs_is_cut_off_and_the_candidate_timed_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Answers the version probes (inductor's and the backend's) like g++, then hangs on any real compile.
    pids = tmp_path / "compiler.pids"
    compiler = tmp_path / "hanging-g++"
    compiler.write_text(f'#!/bin/sh\n[ "$1" = --version ] && exec g++ --version\necho $$ >> "{pids}"\nexec sleep 600\n')
    compiler.chmod(compiler.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CXX", str(compiler))
    evaluator = make_evaluator(tmp_path / "cache", compile_baseline=True, time_timeout_s=6.0, integrity="off")
    record = evaluator.evaluate(load_task("relu"), relu_model("return torch.relu(x)\n"))
    assert record.passed, why_not_passed(record)
    assert record.runtime is not None and record.baseline is not None and record.compile_baseline is None
    error = time_detail(record)["compile_baseline_error"]
    assert "time limit of 6 s exceeded in the compile_baseline phase" in error
    assert "timed again without the compile baseline" in error
    # The hung compiler went down with its worker.
    started = [int(pid) for pid in pids.read_text().split()]
    assert started
    for pid in started:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_cli_option_turns_the_baseline_off(build_cache: Path, tmp_path: Path) -> None:
    response = tmp_path / "answer.txt"
    response.write_text(bundled_solution("relu", "cpp"))
    env = {**os.environ, "MKB_CACHE_DIR": str(build_cache)}
    args = ["eval", "--task", "relu", "--response", str(response), "--seed", "1", "--json", "--no-compile-baseline"]
    result = subprocess.run([sys.executable, "-m", "multikernelbench.cli", *args], capture_output=True, text=True,
                            env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["passed"] and data["speedup"] is not None
    assert data["compile_baseline_performance"] is None and data["speedup_compile"] is None


# ---- the parts, without a worker ----


def test_make_config_passes_the_choice_on() -> None:
    args = (None, "strict", 5, None, False, None, 600.0, 300.0, 300.0, None)
    assert make_config(*args).compile_baseline is True
    assert make_config(*args, compile_baseline=False).compile_baseline is False


def test_compiling_has_a_limit_of_its_own() -> None:
    limits = EvalConfig(time_timeout_s=42.0).phase_limits
    assert limits["compile_baseline"] == 42.0 and limits["time"] == 42.0


class RecordingDevice(HostCPU):
    """A host device for the timing loop that counts calls instead of timing them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.flushes = 0

    def synchronize(self) -> None:
        pass

    def flush_cache(self) -> None:
        self.flushes += 1

    def time_call(self, fn) -> float:  # type: ignore[no-untyped-def]
        fn()
        return 1.0


def test_timing_interleaves_every_callable_on_the_same_input_set() -> None:
    backend = RecordingDevice()

    def named(name: str):  # type: ignore[no-untyped-def]
        return lambda x: backend.calls.append((name, x))

    plan = TimingSpec(warmup=2, min_trials=4, max_trials=4, budget_s=0.0)
    sets = [[0], [1], [2]]
    timers = [LocalTimer(backend, named(name), sets) for name in ("c", "e", "tc")]
    samples = time_interleaved(backend, timers, len(sets), plan)
    assert [len(s) for s in samples] == [4, 4, 4] and timers[0].clock == "host_clock"
    assert backend.flushes == 12  # a flush before every timed call
    trials = backend.calls[2 * 3:]  # after the warm-up calls, all three per trial
    # On the host each timed call follows an untimed wake-up call on the next set.
    expected = [(name, (i + 1) % 3, i % 3) for i in range(4) for name in ("c", "e", "tc")]
    assert trials == [call for name, woken, timed in expected for call in ((name, woken), (name, timed))]
    with pytest.raises(ValueError):
        time_interleaved(backend, [], 1, plan)
    with pytest.raises(ValueError):
        time_interleaved(backend, timers, 0, plan)


# ---- reporting ----


def stats(median: float) -> TimingStats:
    return TimingStats(mean=median, std=0.0, min=median, max=median, median=median, num_trials=3)


def passed_record(compile_baseline: TimingStats | None, time_detail: dict) -> EvalRecord:
    phases = (PhaseResult("extract", True, 0.0), PhaseResult("build", True, 0.0), PhaseResult("check", True, 0.1),
              PhaseResult("time", True, 0.5, detail=time_detail))
    return EvalRecord(task="relu", backend="cpp", profile="small", compiled=True, correctness=True,
                      failed_phase=None, error=None, phases=phases, seed=1, runtime=stats(1.0), baseline=stats(3.0),
                      compile_baseline=compile_baseline)


def test_verdict_shows_the_compile_speedup(capsys: pytest.CaptureFixture[str]) -> None:
    record = passed_record(stats(2.0), {"compile_baseline_compile_s": 4.2})
    assert EvalRecord.from_json(json.loads(json.dumps(record.to_json()))).compile_baseline == stats(2.0)
    print_verdict(record)
    out = capsys.readouterr().out
    assert "torch.compile 2.0000 ms, speedup 2.00x" in out and "speedup 3.00x" in out


def test_verdict_says_why_the_compile_baseline_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    print_verdict(passed_record(None, {"compile_baseline_error": "InductorError: no compiler"}))
    out = capsys.readouterr().out
    assert "torch.compile baseline not measured: InductorError: no compiler" in out
    assert "torch.compile 2" not in out


def test_interpreted_times_are_never_printed_as_speeds(capsys: pytest.CaptureFixture[str]) -> None:
    record = replace(passed_record(stats(2.0), {}), backend="triton", mode="interpreter", timing_clock="interpreter",
                     timing_warnings=("the machine was busy: load average 3.1 on 2 cores",))
    assert record.speedup is None and record.speedup_compile is None and record.speedup_interval is None
    print_verdict(record)
    out = capsys.readouterr().out
    assert "(small, interpreter): PASS" in out and "interpreter time, not a speed" in out
    assert "speedup" not in out and "timing warning: the machine was busy: load average 3.1" in out


def test_verdict_shows_the_speedups_interval(capsys: pytest.CaptureFixture[str]) -> None:
    candidate = TimingStats(mean=1.0, std=0.1, min=0.9, max=1.1, median=1.0, num_trials=4, samples=(0.9, 1.0, 1.0, 1.1))
    eager = TimingStats(mean=3.0, std=0.1, min=2.9, max=3.1, median=3.0, num_trials=4, samples=(2.9, 3.0, 3.0, 3.1))
    record = replace(passed_record(None, {}), runtime=candidate, baseline=eager)
    low, high = record.speedup_interval or (0.0, 0.0)
    assert low <= 3.0 <= high and 2.5 < low and high < 3.5
    print_verdict(record)
    assert f"speedup 3.00x (95% CI {low:.2f}-{high:.2f})" in capsys.readouterr().out
