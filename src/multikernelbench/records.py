"""Plain, frozen records passed between stages: phase results, timing statistics, verdicts.

A verdict (``EvalRecord``) serialises to a superset of the published harness's
per-task result, so existing analysis scripts read it unchanged.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from multikernelbench.intervals import median_ratio_interval

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
    #: The kind of failure (a :class:`~multikernelbench.evaluation.protocol.Failure` value), None when ok.
    failure: str | None = None


@dataclass(frozen=True)
class TimingStats:
    """Summary of repeated timings, in milliseconds."""

    mean: float
    std: float
    min: float
    max: float
    median: float
    num_trials: int
    samples: tuple[float, ...] = ()  # every trial, for intervals and plots

    @classmethod
    def from_samples(cls, samples_ms: list[float] | tuple[float, ...]) -> TimingStats:
        if not samples_ms:
            raise ValueError("no timing samples")
        return cls(
            mean=statistics.fmean(samples_ms),
            std=statistics.pstdev(samples_ms) if len(samples_ms) > 1 else 0.0,
            min=min(samples_ms),
            max=max(samples_ms),
            median=statistics.median(samples_ms),
            num_trials=len(samples_ms),
            samples=tuple(samples_ms),
        )


@dataclass(frozen=True)
class IntegrityFlag:
    """One integrity check that fired: which check, where in the answer, and why, in one line each.

    ``stage`` says when it was seen: ``static`` (the source, before anything ran), ``runtime``
    (while the answer's ``forward`` ran in the check) or ``timing`` (while it was timed).
    """

    check: str
    where: str
    why: str
    stage: str = "static"

    def describe(self) -> str:
        """``check at where: why``, the line a person or a feedback turn reads."""
        place = f" at {self.where}" if self.where else ""
        return f"{self.check}{place}: {self.why}"


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
    #: native (on the device), interpreter (kernels interpreted on the CPU) or build_only.
    mode: str = "native"
    #: What measured the times: host_clock, device_events, cuda_graph or interpreter (never a speed).
    timing_clock: str = ""
    timing_warnings: tuple[str, ...] = ()
    #: What the integrity checks found (static, in the check, while timed).
    integrity_flags: tuple[IntegrityFlag, ...] = ()
    #: The integrity level the verdict was given under: off, warn or strict (a flag fails the answer).
    integrity: str = "strict"

    @property
    def passed(self) -> bool:
        """Correct on every input set, no later phase failed (a crash while timing fails too), and, under
        strict integrity, not flagged."""
        return (self.correctness and self.failed_phase is None and self.mode != "build_only"
                and not self.failed_integrity)

    @property
    def failed_integrity(self) -> bool:
        """True when a flag counts against the answer (strict integrity)."""
        return self.integrity == "strict" and bool(self.integrity_flags)

    @property
    def failure(self) -> str | None:
        """The kind of the failure that ended the evaluation (compile_error, mismatch, crash, ...)."""
        return next((p.failure for p in self.phases if not p.ok), None)

    @property
    def speedup_interval(self) -> tuple[float, float] | None:
        """95% bootstrap interval of :attr:`speedup`, from the timing samples."""
        if not self._speed_measured or self.runtime is None or self.baseline is None:
            return None
        return median_ratio_interval(self.baseline.samples, self.runtime.samples)

    @property
    def _speed_measured(self) -> bool:
        # Interpreted kernels (Triton's interpreter, Pallas interpret mode) have times, never speeds.
        return self.timing_clock != "interpreter"

    @property
    def speedup(self) -> float | None:
        """Eager baseline time over candidate time (medians); None when either is missing or interpreted."""
        if not self._speed_measured or self.runtime is None or self.baseline is None or self.runtime.median <= 0:
            return None
        return self.baseline.median / self.runtime.median

    @property
    def speedup_compile(self) -> float | None:
        """torch.compile baseline time over candidate time (medians); None when either is missing or interpreted."""
        if not self._speed_measured or self.runtime is None or self.compile_baseline is None or self.runtime.median <= 0:
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
            "speedup_interval": self.speedup_interval,
            "compile_baseline_performance": asdict(self.compile_baseline) if self.compile_baseline else None,
            "speedup_compile": self.speedup_compile,
            "hardware": self.hardware,
            "versions": self.versions,
            # The published field: None when integrity checks were off, else whether any check fired.
            "cheating": None if self.integrity == "off" else bool(self.integrity_flags),
            "integrity": self.integrity,
            "integrity_flags": [asdict(f) for f in self.integrity_flags],
            "compile_info": self.compile_info,
            "correctness_info": self.correctness_info,
            "build_cache_hit": self.build_cache_hit,
            "mode": self.mode,
            "failure": self.failure,
            "timing_clock": self.timing_clock,
            "timing_warnings": list(self.timing_warnings),
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
            runtime=_stats(perf),
            baseline=_stats(base),
            compile_baseline=_stats(compiled_base),
            hardware=data.get("hardware", {}),
            versions=data.get("versions", {}),
            compile_info=data.get("compile_info", ""),
            correctness_info=data.get("correctness_info", ""),
            build_cache_hit=data.get("build_cache_hit", False),
            mode=data.get("mode", "native"),
            timing_clock=data.get("timing_clock", ""),
            timing_warnings=tuple(data.get("timing_warnings", ())),
            integrity_flags=tuple(IntegrityFlag(**f) for f in data.get("integrity_flags", ())),
            # Verdicts stored before the checks existed were given without them.
            integrity=data.get("integrity", "off"),
        )


def _stats(data: dict[str, Any] | None) -> TimingStats | None:
    if not data:
        return None
    return TimingStats(**{**data, "samples": tuple(data.get("samples", ()))})


@dataclass(frozen=True)
class StoredVerdict:
    """A verdict as the store keeps it: which run, task, sample and feedback turn it belongs to."""

    run: str
    task: str
    category: str
    sample: int
    turn: int
    record: EvalRecord
