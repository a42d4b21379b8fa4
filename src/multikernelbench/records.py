"""Plain, frozen records passed between stages: phase results, timing statistics, verdicts.

A verdict (``EvalRecord``) serialises to a superset of the published harness's
per-task result, so existing analysis scripts read it unchanged.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

# Phases in the order they run. "extract" finds the candidate module in the response text.
PHASES = ("extract", "build", "check", "time")


@dataclass(frozen=True)
class PhaseResult:
    """What one phase of one evaluation did."""

    phase: str
    ok: bool
    seconds: float
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TimingStats:
    """Summary of repeated timings, in milliseconds."""

    mean: float
    std: float
    min: float
    max: float
    median: float
    num_trials: int

    @classmethod
    def from_samples(cls, samples_ms: list[float]) -> TimingStats:
        if not samples_ms:
            raise ValueError("no timing samples")
        return cls(
            mean=statistics.fmean(samples_ms),
            std=statistics.pstdev(samples_ms) if len(samples_ms) > 1 else 0.0,
            min=min(samples_ms),
            max=max(samples_ms),
            median=statistics.median(samples_ms),
            num_trials=len(samples_ms),
        )


@dataclass(frozen=True)
class EvalRecord:
    """The verdict on one candidate for one task on one backend."""

    task: str
    backend: str
    profile: str
    compiled: bool
    correctness: bool
    failed_phase: str | None
    error: str | None
    phases: tuple[PhaseResult, ...]
    seed: int
    runtime: TimingStats | None = None
    baseline: TimingStats | None = None  # eager PyTorch reference
    compile_baseline: TimingStats | None = None  # torch.compile'd reference, when measured
    hardware: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    compile_info: str = ""
    correctness_info: str = ""
    build_cache_hit: bool = False

    @property
    def passed(self) -> bool:
        """Correct on every input set, and no later phase failed (a crash while timing fails too)."""
        return self.correctness and self.failed_phase is None

    @property
    def speedup(self) -> float | None:
        """Eager baseline time over candidate time (medians); None when either is missing."""
        if self.runtime is None or self.baseline is None or self.runtime.median <= 0:
            return None
        return self.baseline.median / self.runtime.median

    @property
    def speedup_compile(self) -> float | None:
        """torch.compile baseline time over candidate time (medians); None when either is missing."""
        if self.runtime is None or self.compile_baseline is None or self.runtime.median <= 0:
            return None
        return self.compile_baseline.median / self.runtime.median

    def to_json(self) -> dict[str, Any]:
        """The published harness's per-task fields plus ours."""
        runtime = asdict(self.runtime) if self.runtime else None
        return {
            "task": self.task,
            "backend": self.backend,
            "profile": self.profile,
            "compiled": self.compiled,
            "correctness": self.correctness,
            "passed": self.passed,
            "failed_phase": self.failed_phase,
            "error": self.error,
            "performance": runtime,
            "baseline_ms": self.baseline.median if self.baseline else None,
            "baseline_performance": asdict(self.baseline) if self.baseline else None,
            "speedup": self.speedup,
            "compile_baseline_performance": asdict(self.compile_baseline) if self.compile_baseline else None,
            "speedup_compile": self.speedup_compile,
            "hardware": self.hardware,
            "versions": self.versions,
            # The runtime integrity check (own kernels only) is not implemented yet: None, not False.
            "cheating": None,
            "compile_info": self.compile_info,
            "correctness_info": self.correctness_info,
            "build_cache_hit": self.build_cache_hit,
            "seed": self.seed,
            "phases": [asdict(p) for p in self.phases],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvalRecord:
        """Inverse of :meth:`to_json` (derived fields are recomputed, not read)."""
        perf = data.get("performance")
        base = data.get("baseline_performance")
        compiled_base = data.get("compile_baseline_performance")
        return cls(
            task=data["task"],
            backend=data["backend"],
            profile=data["profile"],
            compiled=data["compiled"],
            correctness=data["correctness"],
            failed_phase=data["failed_phase"],
            error=data["error"],
            phases=tuple(PhaseResult(**p) for p in data["phases"]),
            seed=data["seed"],
            runtime=TimingStats(**perf) if perf else None,
            baseline=TimingStats(**base) if base else None,
            compile_baseline=TimingStats(**compiled_base) if compiled_base else None,
            hardware=data.get("hardware", {}),
            versions=data.get("versions", {}),
            compile_info=data.get("compile_info", ""),
            correctness_info=data.get("correctness_info", ""),
            build_cache_hit=data.get("build_cache_hit", False),
        )
