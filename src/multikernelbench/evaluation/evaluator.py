from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from multikernelbench.backends.base import BUILD_ONLY, INTERPRETER, NATIVE, SHARED_CACHE_VARIABLE, Backend
from multikernelbench.backends.devices import cpu_count, default_memory_limit, device_class
from multikernelbench.backends.registry import get_backend
from multikernelbench.errors import TaskError, UserError
from multikernelbench.evaluation.build_log import strip_noise
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.evaluation.containment import ContainmentPlan, probe
from multikernelbench.evaluation.device_lanes import DeviceLanes
from multikernelbench.evaluation.gate import BuildTimingGate
from multikernelbench.evaluation.protocol import (
    BuildReport,
    CheckReport,
    EnvReport,
    Failure,
    Phase,
    TaskSpec,
    TimeReport,
    TimingSpec,
    WorkerRequest,
)
from multikernelbench.evaluation.sandbox import (
    WorkerOutcome,
    child_environment,
    hand_request,
    start_worker,
)
from multikernelbench.evaluation.task_errors import task_error
from multikernelbench.evaluation.tolerances import check_profile_name
from multikernelbench.evaluation.warm_workers import WorkerKind, shared_warm_workers
from multikernelbench.evaluation.worker import BUILT_MARKER, CONTAINMENT_VARIABLE
from multikernelbench.paths import default_cache_dir
from multikernelbench.evaluation.integrity.static_checks import scan_candidate
from multikernelbench.records import EvalRecord, IntegrityFlag, PhaseResult, TimingStats
from multikernelbench.tasks.task import Task

#: Integrity levels, the default first.
INTEGRITY_LEVELS = ("strict", "warn", "off")
# Headroom of address space over the memory limit: virtual size exceeds resident size.
_ADDRESS_SPACE_HEADROOM = 4 * 2**30
_INFO_CHARS = 2000
# compile_info is the build log 'mkb show --log' prints: room for all the runner sends (its error, up to
# 4000 characters, and the worker's log), so the compiler's errors after long command lines are kept.
_BUILD_LOG_CHARS = 8000


@dataclass(frozen=True)
class EvalConfig:
    """How to evaluate: sizes, tolerances, trials, limits and where workers run."""

    profile: str | None = None  # None: "small" where the task has it, else "full"
    tolerance: str = "strict"
    num_input_sets: int = 5
    seed: int | None = None  # None: a fresh random seed per evaluation (recorded in the verdict)
    build_timeout_s: float = 600.0
    check_timeout_s: float = 300.0
    time_timeout_s: float = 300.0
    memory_limit_bytes: int = field(default_factory=default_memory_limit)
    timing: bool = True
    timing_plan: TimingSpec = field(default_factory=TimingSpec)
    cache_dir: Path = field(default_factory=default_cache_dir)
    compile_baseline: bool = True  # also time torch.compile(reference) when the candidate passed the check
    build_only: bool = False  # only build (a backend whose device this machine lacks): compile verdicts only
    worker_python: str | None = None  # the interpreter of workers (e.g. a venv with a CUDA build of torch)
    warm_workers: bool = True  # start each next worker ahead of need (each is still used once)
    checks_per_device: int = 2  # candidates checked at once on one accelerator (timing always has it alone)
    #: off: no integrity checks; warn: flags are recorded, a flagged answer still passes; strict: it fails.
    integrity: str = "strict"

    def __post_init__(self) -> None:
        # Workers run in temporary folders: a relative cache path would point somewhere else there.
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser().resolve())
        if self.worker_python and os.sep in self.worker_python:
            object.__setattr__(self, "worker_python", str(Path(self.worker_python).expanduser().absolute()))
        check_profile_name(self.tolerance)
        if self.num_input_sets < 1:
            raise ValueError("num_input_sets must be at least 1")
        if self.integrity not in INTEGRITY_LEVELS:
            raise UserError(f"unknown integrity level {self.integrity!r}: use one of {', '.join(INTEGRITY_LEVELS)}")

    @property
    def phase_limits(self) -> dict[str, float]:
        # "start" covers interpreter and torch start-up before the first phase event. Compiling the
        # baseline gets a limit of its own, as long as timing's, so that neither eats into the other.
        # The reference phase (the task's own reference and one input set) has the check's limit.
        return {Phase.START.value: 120.0, Phase.BUILD.value: self.build_timeout_s,
                Phase.REFERENCE.value: self.check_timeout_s, Phase.CHECK.value: self.check_timeout_s,
                Phase.TIME.value: self.time_timeout_s,
                Phase.COMPILE_BASELINE.value: self.time_timeout_s}

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


class Judge(Protocol):
    """What a run needs of an evaluator: a verdict per answer (this machine's :class:`Evaluator`, or a cluster's)."""

    def evaluate(self, task: Task, response: str) -> EvalRecord: ...


#: Builds a candidate (the evaluator's own :meth:`Evaluator.build`, or a scheduler's stand-in).
Builder = Callable[[Candidate], BuildResult]


@dataclass(frozen=True)
class Toolchain:
    """What the workers' interpreter reports about a backend: why it cannot build, and what changes a build."""

    unavailable: str | None
    facts: dict[str, str]


@cache
def probe_toolchain(backend_name: str, python: str, build_only: bool) -> Toolchain:
    """The backend's availability and toolchain as the workers' interpreter sees them (no torch import)."""
    if python == sys.executable:
        backend = get_backend(backend_name)
        return Toolchain(backend.unavailable_reason(),
                         {**backend.toolchain(build_only), "python": platform.python_version()})
    command = [python, "-m", "multikernelbench.backends.toolchains", backend_name, *(["--build-only"] * build_only)]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, env=child_environment())
        data = json.loads(out.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        raise UserError(f"the worker interpreter {python} could not describe its toolchain; check that it runs and "
                        "has torch installed (pip install torch ninja psutil)") from None
    return Toolchain(data["unavailable"], data["toolchain"])


class Evaluator:
    """Evaluates candidates for one backend; safe to share between threads."""

    def __init__(self, backend_name: str, config: EvalConfig | None = None) -> None:
        self.config = config or EvalConfig()
        self.backend: Backend = get_backend(backend_name)
        self.python = self.config.worker_python or sys.executable
        self.toolchain = probe_toolchain(backend_name, self.python, self.config.build_only)
        if self.toolchain.unavailable:
            raise UserError(f"backend '{backend_name}' is unavailable: {self.toolchain.unavailable}")
        #: native, interpreter or build_only: how this machine runs the backend.
        self.mode = self.backend.mode(self.config.build_only)
        self.device = device_class("cpu" if self.mode == INTERPRETER else self.backend.device_kind)
        self.host_timing = self.device.is_host
        # Shared by all threads using this evaluator: builds overlap; each device (lane) has one user at a time.
        self.lanes = max(1, self.device.count()) if self.mode == NATIVE else 1
        self.gate = BuildTimingGate(self.lanes)
        # On accelerators, checks of several candidates share a device; timing has it alone.
        self.device_lanes = DeviceLanes(self.lanes, self.config.checks_per_device)
        #: Where verdicts are produced (this host; a cluster lane adds its node and lane): kept in each record.
        self.placement: dict[str, str] = {"node": platform.node()}

    # ---- the three steps, usable apart so a scheduler can overlap them ----

    def extract(self, response: str) -> tuple[Candidate | None, PhaseResult]:
        start = time.monotonic()
        extraction = extract_candidate(response)
        seconds = time.monotonic() - start
        if extraction.source is None:
            return None, PhaseResult(Phase.EXTRACT.value, False, seconds, extraction.error,
                                     failure=Failure.NO_CODE.value)
        digest = build_key(self.backend.name, self.toolchain.facts, extraction.source)
        build_dir = self.config.cache_dir / "builds" / self.backend.name / digest[:24]
        build_dir.mkdir(parents=True, exist_ok=True)
        candidate = Candidate(extraction.source, digest, build_dir)
        if not candidate.source_path.exists():
            candidate.source_path.write_text(extraction.source)
        return candidate, PhaseResult(Phase.EXTRACT.value, True, seconds, detail={"digest": digest})

    def build(self, candidate: Candidate) -> BuildResult:
        """Build in a child; a build key that built before is a cache hit with no child at all.

        The check worker loads the candidate again in any case, so a stale or
        forged marker can only skip work, never pass a broken build.
        """
        if (candidate.build_dir / BUILT_MARKER).exists():
            return BuildResult(PhaseResult(Phase.BUILD.value, True, 0.0, detail={"cache_hit": True}), cache_hit=True)
        outcome = self._run(self._request("build", candidate), candidate)
        report: BuildReport | None = outcome.last(BuildReport)
        if report is None:
            return BuildResult(PhaseResult(Phase.BUILD.value, False, outcome.seconds, outcome.death(),
                                           detail={"log": _trim_log(outcome.log_tail())},
                                           failure=outcome.failure().value))
        if not report.ok:
            return BuildResult(PhaseResult(Phase.BUILD.value, False, report.seconds, report.error,
                                           detail={"log": _trim_log(outcome.log_tail()), "traceback": report.traceback},
                                           failure=report.failure))
        return BuildResult(PhaseResult(Phase.BUILD.value, True, report.seconds, detail={"cache_hit": report.cache_hit}),
                           cache_hit=report.cache_hit)

    def check_and_time(self, task: Task, candidate: Candidate, seed: int, lane: int | None = None,
                       turn: Callable[[], bool] | None = None, timing: bool | None = None
                       ) -> tuple[list[PhaseResult], WorkerOutcome]:
        """Check (and time) in one worker on device ``lane`` (None: whatever the worker sees).

        With ``turn``, the device is shared while checking and the worker times only once ``turn()``
        says it has the device alone. Raises :class:`TaskError` when the task's own reference failed or
        did not fit before the answer ran.
        """
        timing = self.config.timing if timing is None else timing
        request = replace(
            self._request("check", candidate),
            # The worker re-parses the source, so profile constants keep their exact Python types.
            task=TaskSpec(task.name, task.category, task.path, task.source),
            profile=self.resolve_profile(task),
            tolerance=self.config.tolerance,
            # The answer's process learns the parameters' seed (its ModelNew draws the same weights); the
            # inputs' seeds are hashed apart from it, so knowing one tells nothing of the others.
            init_seed=derived_seed(seed, "parameters"),
            input_seeds=tuple(derived_seed(seed, f"inputs {i}") for i in range(self.config.num_input_sets)),
            timing=self.timing_plan() if timing else None,
            # Against interpreted kernels a compiled baseline measures nothing of interest.
            compile_baseline=timing and self.config.compile_baseline and self.mode != INTERPRETER,
            await_turn=turn is not None,
            integrity=self.config.integrity,
            memory_limit_bytes=self.config.memory_limit_bytes or None,
        )
        outcome = self._run(request, candidate, lane, turn)
        # The task's own reference failed before the answer ran: no verdict on the answer at all.
        if (error := self.task_error(outcome, CheckReport, task, request.profile)) is not None:
            raise error
        lost_baseline = None
        if _died_compiling_baseline(outcome):
            # The candidate passed the check, and its timing never began: measure it again without
            # the baseline rather than blame it for the compiler (costs one more worker, rarely).
            lost_baseline = f"{outcome.death()}; timed again without the compile baseline"
            outcome = self._run(replace(request, compile_baseline=False), candidate, lane, turn)
        phases = _check_phases(outcome, timing and not _flagged_strict(outcome, self.config.integrity))
        if lost_baseline and phases[-1].phase == Phase.TIME.value:
            phases[-1] = replace(phases[-1], detail={**phases[-1].detail, "compile_baseline_error": lost_baseline})
        return phases, outcome

    def task_error(self, outcome: WorkerOutcome, report_type: type, task: Task, profile: str) -> TaskError | None:
        """The task error a worker's outcome shows (its reference failed or did not fit), else None."""
        return task_error(outcome, report_type, task, profile, memory_limit_bytes=self.config.memory_limit_bytes,
                          reference_limit_s=self.config.phase_limits[Phase.REFERENCE.value],
                          host_memory=self.device.is_host)

    def timing_plan(self) -> TimingSpec:
        """The configured plan; a token one for interpreted kernels, whose times are labelled, never speeds."""
        plan = self.config.timing_plan
        if self.mode == INTERPRETER:
            return replace(plan, warmup=1, min_trials=3, max_trials=3, budget_s=0.0, cuda_graphs=False)
        return plan

    def resolve_profile(self, task: Task) -> str:
        return resolve_profile(task, self.config.profile)

    # ---- all phases ----

    def evaluate(self, task: Task, response: str, build: Builder | None = None) -> EvalRecord:
        """Every phase in order; the first failure ends the evaluation with its verdict.

        Raises :class:`TaskError` instead when the task itself cannot be judged (its reference is broken or
        does not fit the limits): that is no verdict on the answer.

        Thread-safe: concurrent calls overlap their builds, but check and time
        one at a time, and on the host CPU never while anything builds. ``build`` replaces
        :meth:`build` (a scheduler that runs builds elsewhere, e.g. as cluster tasks on this node).
        """
        seed = self.config.seed if self.config.seed is not None else secrets.randbelow(2**31 - 1000)
        profile = self.resolve_profile(task)
        candidate, extract_phase = self.extract(response)
        if candidate is None:
            return self.record(task, profile, seed, [extract_phase])
        static_flags = self.static_flags(candidate)
        with self.gate.building():
            build = (build or self.build)(candidate)
        if not build.phase.ok:
            return self.record(task, profile, seed, [extract_phase, build.phase], static_flags=static_flags)
        if self.mode == BUILD_ONLY:
            skipped = PhaseResult(Phase.CHECK.value, False, 0.0, "build-only evaluation: this machine has no "
                                  f"{self.backend.device_kind} device to run the answer on",
                                  failure=Failure.UNSUPPORTED.value)
            return self.record(task, profile, seed, [extract_phase, build.phase, skipped], None, build.cache_hit,
                               static_flags)
        # Strict: a statically flagged answer has failed; it is still checked (the verdict says whether it
        # computes the right thing), but timing it would only spend the device.
        timing = self.config.timing and not (self.config.integrity == "strict" and static_flags)
        if self.host_timing:
            with self.gate.timing(exclusive=True) as lane:
                phases, outcome = self.check_and_time(task, candidate, seed, lane, timing=timing)
        else:
            with self.device_lanes.checking() as hold:
                phases, outcome = self.check_and_time(task, candidate, seed, hold.lane, hold.try_take_turn, timing)
        return self.record(task, profile, seed, [extract_phase, build.phase, *phases], outcome, build.cache_hit,
                           static_flags)

    def static_flags(self, candidate: Candidate) -> tuple[IntegrityFlag, ...]:
        """What the static integrity check finds in the answer's source (nothing when integrity is off)."""
        if self.config.integrity == "off":
            return ()
        return scan_candidate(candidate.source, self.backend.kernel_kind)

    def record(
        self,
        task: Task,
        profile: str,
        seed: int,
        phases: list[PhaseResult],
        outcome: WorkerOutcome | None = None,
        cache_hit: bool = False,
        static_flags: tuple[IntegrityFlag, ...] = (),
    ) -> EvalRecord:
        """Fold phase results and integrity flags into a verdict."""
        failed = next((p for p in phases if not p.ok), None)
        by_name = {p.phase: p for p in phases}
        build = by_name.get(Phase.BUILD.value)
        check = by_name.get(Phase.CHECK.value)
        timing: TimeReport | None = outcome.last(TimeReport) if outcome else None
        env: EnvReport | None = outcome.last(EnvReport) if outcome else None
        runtime = baseline = compile_baseline = None
        if timing is not None and timing.ok:
            runtime = TimingStats.from_samples(timing.candidate_ms)
            baseline = TimingStats.from_samples(timing.baseline_ms)
            if timing.compile_baseline_ms:
                compile_baseline = TimingStats.from_samples(timing.compile_baseline_ms)
        # A JIT kernel that failed to compile on its first call is a compile failure, wherever it surfaced.
        compiled = build is not None and build.ok and not (failed and failed.failure == Failure.COMPILE.value)
        compile_info = ""
        if build is not None and not build.ok:
            compile_info = f"{build.error}\n{build.detail.get('log', '')}".strip()
        elif not compiled and failed is not None:
            compile_info = failed.error or ""
        elif by_name[Phase.EXTRACT.value].ok is False:
            compile_info = by_name[Phase.EXTRACT.value].error or ""
        return EvalRecord(
            task=task.name,
            backend=self.backend.name,
            profile=profile,
            compiled=compiled,
            correctness=check is not None and check.ok,
            failed_phase=failed.phase if failed else None,
            error=failed.error if failed else None,
            phases=tuple(phases),
            seed=seed,
            runtime=runtime,
            baseline=baseline,
            compile_baseline=compile_baseline,
            # No check ran (a failed build, a build-only evaluation): the machine that built it, as the parent sees it.
            hardware={**(env.hardware if env else self.device.host_fingerprint()), **self.placement},
            versions=env.versions if env else self._parent_versions(),
            compile_info=compile_info[:_BUILD_LOG_CHARS],
            correctness_info=(check.error or "")[:_INFO_CHARS] if check is not None else "",
            build_cache_hit=cache_hit,
            mode=self.mode,
            timing_clock=timing.clock if timing is not None and timing.ok else "",
            timing_warnings=timing.warnings if timing is not None and timing.ok else (),
            integrity_flags=(*static_flags, *_worker_flags(outcome)),
            integrity=self.config.integrity,
        )

    # ---- helpers ----

    def _request(self, step: str, candidate: Candidate) -> WorkerRequest:
        return WorkerRequest(
            step=step,
            backend=self.backend.name,
            mode=self.mode,
            candidate_path=str(candidate.source_path),
            module_name=candidate.module_name,
            build_dir=str(candidate.build_dir),
        )

    def _run(self, request: WorkerRequest, candidate: Candidate, lane: int | None = None,
             turn: Callable[[], bool] | None = None) -> WorkerOutcome:
        request = replace(request, environment=self.backend.build_environment(candidate.build_dir, self.mode))
        env = self._worker_env(lane)
        # On the host CPU a spare's start-up (a second of CPU) would overlap and disturb timing: only device
        # backends, whose timing the host's load barely touches, start workers ahead.
        if not self.config.warm_workers or self.host_timing:
            return hand_request(start_worker(self.python, env), request, self.config.phase_limits,
                                self.config.memory_limit_bytes, turn)
        # Checks and timing run on the device: their spare also opens the GPU ahead of need.
        on_device = request.step != "build" and self.mode == NATIVE and not self.device.is_host
        worker, _ = shared_warm_workers().take(
            WorkerKind.of(self.python, env, self.device.torch_type if on_device else ""))
        return hand_request(worker, request, self.config.phase_limits, self.config.memory_limit_bytes, turn)

    def _worker_env(self, lane: int | None = None) -> dict[str, str]:
        """The environment a worker starts with: everything but the candidate's own (which its request carries)."""
        # Inductor writes its caches to /tmp/torchinductor_$USER unless told otherwise; keep them in our
        # cache instead, where later workers find them.
        extra = {"TORCHINDUCTOR_CACHE_DIR": str(self.config.inductor_cache_dir),
                 SHARED_CACHE_VARIABLE: str(self.config.cache_dir)}
        if lane is not None and self.lanes > 1:
            extra |= self.device.worker_environment(lane)  # one physical GPU per lane
        if self.python != sys.executable:
            # Tools installed beside the worker interpreter (its venv's ninja) come first, as if it were active.
            extra["PATH"] = os.pathsep.join([str(Path(self.python).parent), os.environ.get("PATH", "")])
        extra[CONTAINMENT_VARIABLE] = json.dumps(asdict(self.containment_plan()))
        if self.host_timing:
            # The judge and the runner take turns on the same cores: an OpenMP pool left spinning longer than
            # the pause before each trial would slow the other's timed call (see HostCPU.before_trial).
            extra["GOMP_SPINCOUNT"] = os.environ.get("GOMP_SPINCOUNT", "20000")
        return child_environment(extra)

    def sandbox_warnings(self) -> tuple[str, ...]:
        """What this machine will not let the runners' sandbox do (found once, in a forked child), one line each."""
        return probe(self.containment_plan()).warnings

    def containment_plan(self) -> ContainmentPlan:
        """The sandbox of every runner: no network, its own PID namespace and temporary folder, a read-only
        file system but for the build cache, no capabilities, and limits."""
        limit = self.config.memory_limit_bytes
        limits = self.config.phase_limits
        cpu_seconds = (limits["build"] + limits["check"] + limits["time"] + limits["compile_baseline"]) * cpu_count()
        return ContainmentPlan(
            # GPU drivers map huge virtual ranges: the address space is capped only where the device allows.
            address_space_bytes=limit + _ADDRESS_SPACE_HEADROOM if limit and self.device.limit_address_space else None,
            cpu_seconds=int(cpu_seconds),
            # The build cache is the one place outside its private folder it may write (its build lives there).
            writable=(str(self.config.cache_dir),))

    def _parent_versions(self) -> dict[str, Any]:
        from multikernelbench import __version__

        return {"multikernelbench": __version__, **self.toolchain.facts}


def resolve_profile(task: Task, profile: str | None) -> str:
    """The size profile ``task`` is evaluated at: ``profile``, or "small" where the task has it, else "full"."""
    if profile is None:
        return task.default_profile("small")
    task.profile_constants(profile)  # a clear error when the task lacks it
    return profile


def _check_phases(outcome: WorkerOutcome, timing_enabled: bool) -> list[PhaseResult]:
    """Check and time phase results from one worker, including a worker that died mid-way."""
    phases: list[PhaseResult] = []
    check: CheckReport | None = outcome.last(CheckReport)
    if check is None:
        detail = {"log": _trim_log(outcome.log_tail())}
        return [PhaseResult(Phase.CHECK.value, False, outcome.seconds, outcome.death(), detail=detail,
                            failure=outcome.failure().value)]
    detail = {"trials": check.trials, **({"traceback": check.traceback} if check.traceback else {})}
    phases.append(PhaseResult(Phase.CHECK.value, check.ok, check.seconds, check.error, detail=detail,
                              failure=check.failure))
    if not check.ok or not timing_enabled:
        return phases
    timing: TimeReport | None = outcome.last(TimeReport)
    if timing is None:
        phases.append(PhaseResult(Phase.TIME.value, False, outcome.seconds, outcome.death(),
                                  detail={"log": _trim_log(outcome.log_tail())}, failure=outcome.failure().value))
    elif not timing.ok:
        phases.append(PhaseResult(Phase.TIME.value, False, timing.seconds, timing.error,
                                  detail={"traceback": timing.traceback}, failure=timing.failure))
    else:
        detail = {"trials": len(timing.candidate_ms), "clock": timing.clock}
        if timing.compile_baseline_compile_s is not None:
            detail["compile_baseline_compile_s"] = timing.compile_baseline_compile_s
        if timing.compile_baseline_error:
            detail["compile_baseline_error"] = timing.compile_baseline_error
        if timing.warnings:
            detail["warnings"] = list(timing.warnings)
        phases.append(PhaseResult(Phase.TIME.value, True, timing.seconds, detail=detail))
    return phases


def _worker_flags(outcome: WorkerOutcome | None) -> tuple[IntegrityFlag, ...]:
    """The integrity flags the judge reported while checking and timing."""
    if outcome is None:
        return ()
    reports = [outcome.last(CheckReport), outcome.last(TimeReport)]
    return tuple(IntegrityFlag(**flag) for report in reports if report is not None for flag in report.flags)


def _flagged_strict(outcome: WorkerOutcome, integrity: str) -> bool:
    """True when strict integrity stopped the judge before timing: a flag in a passed check."""
    check: CheckReport | None = outcome.last(CheckReport)
    return integrity == "strict" and bool(check and check.ok and check.flags)


def _died_compiling_baseline(outcome: WorkerOutcome) -> bool:
    """True when the worker passed the check, then died or was killed while compiling the baseline."""
    check: CheckReport | None = outcome.last(CheckReport)
    return (bool(check and check.ok) and outcome.last(TimeReport) is None
            and outcome.last_phase == Phase.COMPILE_BASELINE.value)


def derived_seed(seed: int, purpose: str) -> int:
    """A seed for ``purpose`` drawn from the verdict's ``seed`` by a hash: reproducible, and one cannot be
    computed from another."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{purpose}".encode()).digest()[:4], "big") >> 1


def build_key(backend: str, toolchain: dict[str, str], source: str) -> str:
    """Build-cache key: the source plus everything that changes the built artefact.

    The toolchain names the torch build (version, commit, CUDA), the Python version, the
    compilers and toolkits and the target architecture, as the workers' interpreter sees them.
    """
    facts = json.dumps(toolchain, sort_keys=True)
    return hashlib.sha256("\0".join([backend, facts, source]).encode()).hexdigest()


def _trim_log(log: str, max_lines: int = 40) -> str:
    """The lines of a build log that matter: compiler errors first, else the tail (never torch's NumPy warning)."""
    lines = strip_noise(log).splitlines()
    errors = [ln for ln in lines if "error" in ln.lower()]
    chosen = errors[:max_lines] if errors else lines[-max_lines:]
    return "\n".join(chosen)[-_INFO_CHARS:]
