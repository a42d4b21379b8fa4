"""Synthetic verdicts and stores for the metrics and report tests (nothing is built or evaluated)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from multikernelbench.records import EvalRecord, IntegrityFlag, PhaseResult, StoredVerdict, TimingStats
from multikernelbench.store import RunInfo, Store


def _timing(median_ms: float) -> TimingStats:
    return TimingStats(mean=median_ms, std=0.0, min=median_ms, max=median_ms, median=median_ms, num_trials=3)


def record(task: str = "relu", *, compiled: bool = True, passed: bool = True, speedup: float | None = None,
           speedup_compile: float | None = None, flagged: bool = False) -> EvalRecord:
    """A verdict whose candidate takes 1 ms, so the baselines' medians are the speedups; ``flagged`` adds an
    integrity flag (strict: the answer then fails)."""
    timed = speedup is not None or speedup_compile is not None
    return EvalRecord(
        task=task, backend="cpp", profile="small", compiled=compiled, correctness=passed and compiled,
        failed_phase=None if passed and compiled else ("check" if compiled else "build"),
        error=None if passed and compiled else "failed", phases=(PhaseResult("extract", True, 0.0),), seed=1,
        runtime=_timing(1.0) if timed else None,
        baseline=_timing(speedup) if speedup is not None else None,
        compile_baseline=_timing(speedup_compile) if speedup_compile is not None else None,
        integrity_flags=(IntegrityFlag("runtime_torch_op", "line 5 (aten::relu)", "PyTorch computed"),) * flagged,
    )


def verdict(task: str, category: str, sample: int = 0, turn: int = 1, run: str = "r", **outcome) -> StoredVerdict:
    return StoredVerdict(run=run, task=task, category=category, sample=sample, turn=turn,
                         record=record(task, **outcome))


def run_info(name: str, model: str = "m", backend: str = "cpp", strategy: str = "none", profile: str = "small",
             **config) -> RunInfo:
    return RunInfo(name, model, backend, strategy, profile, {"samples": 1, **config})


def make_store(path: Path, runs: Iterable[tuple[RunInfo, Iterable[StoredVerdict]]]) -> Path:
    """A results file holding ``runs`` and their verdicts (the verdicts' own run names are ignored)."""
    store = Store(path)
    try:
        for info, verdicts in runs:
            store.open_run(info)
            for v in verdicts:
                store.save_verdict(info.name, v.category, v.sample, v.record, turn=v.turn)
    finally:
        store.close()
    return path


def timed_record(task: str, candidate_ms: float, baseline_ms: float, trials: int = 12,
                 compile_ms: float | None = None) -> EvalRecord:
    """A passing verdict with real-looking timing samples (a little spread), so intervals exist."""
    def stats(median: float) -> TimingStats:
        samples = tuple(median * (1 + 0.02 * ((i * 7) % 5 - 2)) for i in range(trials))
        return TimingStats(mean=median, std=0.02 * median, min=min(samples), max=max(samples), median=median,
                           num_trials=trials, samples=samples)

    return EvalRecord(task=task, backend="cpp", profile="small", compiled=True, correctness=True, failed_phase=None,
                      error=None, phases=(PhaseResult("build", True, 1.5), PhaseResult("check", True, 0.4),
                                          PhaseResult("time", True, 0.9)),
                      seed=7, runtime=stats(candidate_ms), baseline=stats(baseline_ms),
                      compile_baseline=stats(compile_ms) if compile_ms else None,
                      hardware={"device": "cpu", "cpu": "Test CPU 9000"}, versions={"torch": "2.13.0"},
                      integrity="strict")


BUILD_LOG = "relu.cpp:12:5: error: 'out' was not declared in this scope\n   12 |     out[i] = x;\n      |     ^~~"
PROMPT = [{"role": "system", "content": "You write fast kernels."},
          {"role": "user", "content": "Rewrite Model <with> custom kernels & keep the signature."}]
ANSWER = "Here it is.\n\n```python\nimport torch\n\nclass ModelNew(torch.nn.Module):\n    pass\n```\n"


def make_study_store(path: Path, tasks: int = 6) -> Path:
    """Two runs of one model (two strategies) over ``tasks`` tasks in two categories, with every kind of
    outcome: passes with timing samples, a build failure with its log, a mismatch, a flagged answer, a
    second feedback turn, a request that got no answer, and the exchanges with the model."""
    store = Store(path)
    try:
        for run, strategy, speed in (("study-a", "add_shot", 2.0), ("study-b", "selected_shot", 0.5)):
            store.open_run(RunInfo(run, "openai/coder", "cpp", strategy, "small",
                                   {"samples": 2, "fixed": {"temperature": 0.0, "top_p": 1.0}}))
            store.plan(run, [(f"task{i}", s) for i in range(tasks) for s in range(2)])
            for i in range(tasks):
                category = "activation" if i % 2 == 0 else "reduce"
                for sample in range(2):
                    name = f"task{i}"
                    if i == 1 and sample == 0:
                        rec = replace(record(name, compiled=False, passed=False), compile_info=BUILD_LOG,
                                      error="build failed: 'out' was not declared", integrity="strict")
                    elif i == 3 and sample == 1:
                        rec = replace(record(name, passed=False), correctness_info="max abs error 3.2 at [0, 7]",
                                      integrity="strict")
                    elif i == 5 and sample == 0:
                        rec = replace(timed_record(name, 1.0, 4.0), integrity_flags=(
                            IntegrityFlag("runtime_torch_op", "line 9 (aten::relu)", "PyTorch computed it"),))
                    else:
                        rec = timed_record(name, 1.0, speed * (1 + 0.1 * i), compile_ms=speed)
                    store.save_answer(run, name, sample, 1, ANSWER, {"prompt_tokens": 120, "completion_tokens": 80},
                                      PROMPT)
                    store.save_verdict(run, category, sample, rec)
            # A second turn that fixed the build failure.
            store.save_answer(run, "task1", 0, 2, ANSWER, {}, PROMPT)
            store.save_verdict(run, "reduce", 0, timed_record("task1", 1.0, speed), turn=2)
            store.save_request_failure(run, "task0", 2, 1, "HTTP 500: server error")
    finally:
        store.close()
    return path
