"""The parent side of an evaluation: extract, build, check and time one candidate, each in a child.

Nothing here runs candidate code. Each phase's worker outcome becomes a
:class:`PhaseResult`, and together they make the :class:`EvalRecord`.

The torch.compile baseline is timed in the check worker, interleaved with the
candidate and the eager reference. It never decides the verdict: a reference
that inductor cannot compile is reported in the time phase's detail, and a
worker that dies or hangs while compiling is run again without the baseline.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from multikernelbench.backends.base import Backend
from multikernelbench.backends.registry import require_backend
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.evaluation.gate import BuildTimingGate
from multikernelbench.evaluation.sandbox import (
    WorkerOutcome,
    child_environment,
    run_worker,
)
from multikernelbench.evaluation.timing import TimingPlan
from multikernelbench.evaluation.tolerances import check_profile_name
from multikernelbench.evaluation.worker import BUILT_MARKER
from multikernelbench.paths import default_cache_dir
from multikernelbench.records import EvalRecord, PhaseResult, TimingStats
from multikernelbench.tasks.task import Task

# Headroom of address space over the memory limit: virtual size exceeds resident size.
_ADDRESS_SPACE_HEADROOM = 4 * 2**30
_INFO_CHARS = 2000


def default_memory_limit() -> int:
    """Half the machine's memory: a runaway candidate must not take the evaluator down with it."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


@dataclass(frozen=True)
class EvalConfig:
    """How to evaluate: sizes, tolerances, trials and limits."""

    profile: str | None = None  # None: "small" where the task has it, else "full"
    tolerance: str = "strict"
    num_input_sets: int = 5
    seed: int | None = None  # None: a fresh random seed per evaluation (recorded in the verdict)
    build_timeout_s: float = 600.0
    check_timeout_s: float = 300.0
    time_timeout_s: float = 300.0
    memory_limit_bytes: int = field(default_factory=default_memory_limit)
    timing: bool = True
    timing_plan: TimingPlan = field(default_factory=TimingPlan)
    timing_input_sets: int = 3
    cache_dir: Path = field(default_factory=default_cache_dir)
    compile_baseline: bool = True  # also time torch.compile(reference) when the candidate passed the check

    def __post_init__(self) -> None:
        # Workers run in temporary folders: a relative cache path would point somewhere else there.
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser().resolve())
        check_profile_name(self.tolerance)
        if self.num_input_sets < 1:
            raise ValueError("num_input_sets must be at least 1")

    @property
    def phase_limits(self) -> dict[str, float]:
        # "start" covers interpreter and torch start-up before the first phase event. Compiling the
        # baseline gets a limit of its own, as long as timing's, so that neither eats into the other.
        return {"start": 120.0, "build": self.build_timeout_s, "check": self.check_timeout_s,
                "time": self.time_timeout_s, "compile_baseline": self.time_timeout_s}

    @property
    def inductor_cache_dir(self) -> Path:
        """Where workers keep torch.compile's caches, so compiled baselines are reused across evaluations."""
        return (self.cache_dir / "inductor").resolve()


@dataclass(frozen=True)
class Candidate:
    """An extracted candidate with its private build directory."""

    source: str
    digest: str
    build_dir: Path

    @property
    def module_name(self) -> str:
        return f"mkb_candidate_{self.digest[:16]}"

    @property
    def source_path(self) -> Path:
        return self.build_dir / "candidate.py"


@dataclass(frozen=True)
class BuildResult:
    phase: PhaseResult
    cache_hit: bool = False


class Evaluator:
    """Evaluates candidates for one backend; safe to share between threads."""

    def __init__(self, backend_name: str, config: EvalConfig | None = None) -> None:
        self.backend: Backend = require_backend(backend_name)
        self.config = config or EvalConfig()
        # Shared by all threads using this evaluator: builds overlap, device use does not.
        self.gate = BuildTimingGate()

    # ---- the three steps, usable apart so a scheduler can overlap them ----

    def extract(self, response: str) -> tuple[Candidate | None, PhaseResult]:
        start = time.monotonic()
        extraction = extract_candidate(response)
        seconds = time.monotonic() - start
        if extraction.source is None:
            return None, PhaseResult("extract", False, seconds, extraction.error)
        digest = _source_digest(self.backend.name, extraction.source)
        build_dir = self.config.cache_dir / "builds" / self.backend.name / digest[:24]
        build_dir.mkdir(parents=True, exist_ok=True)
        candidate = Candidate(extraction.source, digest, build_dir)
        if not candidate.source_path.exists():
            candidate.source_path.write_text(extraction.source)
        return candidate, PhaseResult("extract", True, seconds, detail={"digest": digest})

    def build(self, candidate: Candidate) -> BuildResult:
        """Build in a child; a source that built before is a cache hit with no child at all.

        The check worker loads the candidate again in any case, so a stale or
        forged marker can only skip work, never pass a broken build.
        """
        if (candidate.build_dir / BUILT_MARKER).exists():
            return BuildResult(PhaseResult("build", True, 0.0, detail={"cache_hit": True}), cache_hit=True)
        request = self._request("build", candidate)
        with tempfile.TemporaryDirectory(prefix="mkb-build-") as work:
            outcome = run_worker(request, Path(work), self.config.phase_limits, self.config.memory_limit_bytes,
                                 self._env(candidate))
            report = outcome.event("build")
            if report is None:
                return BuildResult(PhaseResult("build", False, outcome.seconds, outcome.death(),
                                               detail={"log": _trim_log(outcome.log_tail())}))
            if not report["ok"]:
                return BuildResult(PhaseResult("build", False, report["seconds"], report["error"],
                                               detail={"log": _trim_log(outcome.log_tail()),
                                                       "traceback": report.get("traceback", "")}))
            return BuildResult(PhaseResult("build", True, report["seconds"], detail={"cache_hit": report["cache_hit"]}),
                               cache_hit=report["cache_hit"])

    def check_and_time(self, task: Task, candidate: Candidate, seed: int) -> tuple[list[PhaseResult], WorkerOutcome]:
        profile = self.resolve_profile(task)
        request = self._request("check", candidate)
        request.update(
            # The worker re-parses the source, so profile constants keep their exact Python types.
            task={"name": task.name, "category": task.category, "path": task.path, "source": task.source},
            profile=profile,
            tolerance=self.config.tolerance,
            init_seed=seed,
            input_seeds=[seed + i + 1 for i in range(self.config.num_input_sets)],
            timing={"enabled": self.config.timing, **asdict(self.config.timing_plan)},
            timing_input_sets=self.config.timing_input_sets,
            compile_baseline=self.config.timing and self.config.compile_baseline,
        )
        outcome = self._run_check(request, candidate)
        lost_baseline = None
        if _died_compiling_baseline(outcome):
            # The candidate passed the check, and its timing never began: measure it again without
            # the baseline rather than blame it for the compiler (costs one more worker, rarely).
            lost_baseline = f"{outcome.death()}; timed again without the compile baseline"
            outcome = self._run_check({**request, "compile_baseline": False}, candidate)
        phases = _check_phases(outcome, self.config.timing)
        if lost_baseline and phases[-1].phase == "time":
            phases[-1] = replace(phases[-1], detail={**phases[-1].detail, "compile_baseline_error": lost_baseline})
        return phases, outcome

    def _run_check(self, request: dict[str, Any], candidate: Candidate) -> WorkerOutcome:
        with tempfile.TemporaryDirectory(prefix="mkb-check-") as work:
            return run_worker(request, Path(work), self.config.phase_limits, self.config.memory_limit_bytes,
                              self._env(candidate))

    def resolve_profile(self, task: Task) -> str:
        if self.config.profile is None:
            return task.default_profile("small")
        task.profile_constants(self.config.profile)  # a clear error when the task lacks it
        return self.config.profile

    # ---- all phases ----

    def evaluate(self, task: Task, response: str) -> EvalRecord:
        """Every phase in order; the first failure ends the evaluation with its verdict.

        Thread-safe: concurrent calls overlap their builds, but check and time
        one at a time, and on a host-CPU backend never while anything builds.
        """
        seed = self.config.seed if self.config.seed is not None else secrets.randbelow(2**31 - 1000)
        profile = self.resolve_profile(task)
        candidate, extract_phase = self.extract(response)
        if candidate is None:
            return self.record(task, profile, seed, [extract_phase])
        with self.gate.building():
            build = self.build(candidate)
        if not build.phase.ok:
            return self.record(task, profile, seed, [extract_phase, build.phase])
        with self.gate.timing(exclusive=self.backend.runs_on_host_cpu):
            phases, outcome = self.check_and_time(task, candidate, seed)
        return self.record(task, profile, seed, [extract_phase, build.phase, *phases], outcome, build.cache_hit)

    def record(
        self,
        task: Task,
        profile: str,
        seed: int,
        phases: list[PhaseResult],
        outcome: WorkerOutcome | None = None,
        cache_hit: bool = False,
    ) -> EvalRecord:
        """Fold phase results into a verdict."""
        failed = next((p for p in phases if not p.ok), None)
        by_name = {p.phase: p for p in phases}
        build = by_name.get("build")
        check = by_name.get("check")
        timing = outcome.event("time") if outcome else None
        env = outcome.event("env") if outcome else None
        runtime = baseline = compile_baseline = None
        if timing and timing.get("ok"):
            runtime = TimingStats.from_samples(timing["candidate_ms"])
            baseline = TimingStats.from_samples(timing["baseline_ms"])
            if timing.get("compile_baseline_ms"):
                compile_baseline = TimingStats.from_samples(timing["compile_baseline_ms"])
        compile_info = ""
        if build is not None and not build.ok:
            compile_info = f"{build.error}\n{build.detail.get('log', '')}".strip()
        elif by_name["extract"].ok is False:
            compile_info = by_name["extract"].error or ""
        return EvalRecord(
            task=task.name,
            backend=self.backend.name,
            profile=profile,
            compiled=build is not None and build.ok,
            correctness=check is not None and check.ok,
            failed_phase=failed.phase if failed else None,
            error=failed.error if failed else None,
            phases=tuple(phases),
            seed=seed,
            runtime=runtime,
            baseline=baseline,
            compile_baseline=compile_baseline,
            hardware=env["hardware"] if env else {},
            versions=env["versions"] if env else _parent_versions(),
            compile_info=compile_info[:_INFO_CHARS],
            correctness_info=(check.error or "")[:_INFO_CHARS] if check is not None else "",
            build_cache_hit=cache_hit,
        )

    # ---- helpers ----

    def _request(self, mode: str, candidate: Candidate) -> dict[str, Any]:
        limit = self.config.memory_limit_bytes
        return {
            "mode": mode,
            "backend": self.backend.name,
            "candidate_path": str(candidate.source_path),
            "module_name": candidate.module_name,
            "build_dir": str(candidate.build_dir),
            "address_space_limit": limit + _ADDRESS_SPACE_HEADROOM if limit else None,
        }

    def _env(self, candidate: Candidate) -> dict[str, str]:
        # Inductor writes its caches to /tmp/torchinductor_$USER unless told otherwise; keep them in our
        # cache instead, where later workers find them. Triton's cache (GPU backends) defaults elsewhere.
        inductor = self.config.inductor_cache_dir
        extra = {"TORCHINDUCTOR_CACHE_DIR": str(inductor), "TRITON_CACHE_DIR": str(inductor / "triton")}
        return child_environment(extra | self.backend.build_environment(candidate.build_dir))


def _check_phases(outcome: WorkerOutcome, timing_enabled: bool) -> list[PhaseResult]:
    """Check and time phase results from one worker, including a worker that died mid-way."""
    phases: list[PhaseResult] = []
    check = outcome.event("check")
    if check is None:
        detail = {"log": _trim_log(outcome.log_tail())}
        return [PhaseResult("check", False, outcome.seconds, outcome.death(), detail=detail)]
    phases.append(PhaseResult("check", check["ok"], check["seconds"], check.get("error"),
                              detail={k: check[k] for k in ("trials", "traceback") if k in check}))
    if not check["ok"] or not timing_enabled:
        return phases
    timing = outcome.event("time")
    if timing is None:
        phases.append(PhaseResult("time", False, outcome.seconds, outcome.death(),
                                  detail={"log": _trim_log(outcome.log_tail())}))
    elif not timing["ok"]:
        phases.append(PhaseResult("time", False, timing["seconds"], timing["error"],
                                  detail={"traceback": timing.get("traceback", "")}))
    else:
        detail = {"trials": len(timing["candidate_ms"])}
        detail.update({k: timing[k] for k in ("compile_baseline_compile_s", "compile_baseline_error") if k in timing})
        phases.append(PhaseResult("time", True, timing["seconds"], detail=detail))
    return phases


def _died_compiling_baseline(outcome: WorkerOutcome) -> bool:
    """True when the worker passed the check, then died or was killed while compiling the baseline."""
    check = outcome.event("check")
    return (bool(check and check["ok"]) and outcome.event("time") is None
            and outcome.last_phase == "compile_baseline")


def _source_digest(backend: str, source: str) -> str:
    """Build-cache key: the source plus what changes the build's result (backend, torch, Python)."""
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = "none"
    key = "\0".join([backend, torch_version, platform.python_version(), source])  # noqa: FLY002 - fields read better
    return hashlib.sha256(key.encode()).hexdigest()


def _trim_log(log: str, max_lines: int = 40) -> str:
    """The lines of a build log that matter: compiler errors first, else the tail."""
    lines = log.splitlines()
    errors = [ln for ln in lines if "error" in ln.lower()]
    chosen = errors[:max_lines] if errors else lines[-max_lines:]
    return "\n".join(chosen)[-_INFO_CHARS:]


def _parent_versions() -> dict[str, Any]:
    from multikernelbench import __version__

    return {"multikernelbench": __version__, "python": platform.python_version()}

