"""Synthetic verdicts and stores for the metrics and report tests (nothing is built or evaluated)."""

from __future__ import annotations

from collections.abc import Iterable
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
