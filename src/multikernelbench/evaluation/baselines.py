"""Eager and torch.compile baseline times per task, measured alone and cached per device and torch build.

The speedup in a verdict always comes from the baselines timed in the same
worker as the candidate, interleaved with it. These cached figures are the
task's reference times on a device, for tables and for planning runs
(``mkb baseline``): measured the same way (warm-up, cache flush, the device's
clock), stored under ``<cache>/baselines/<key>.json`` where the key names the
backend, the device (model, driver, cores) and the toolchain (torch build,
compilers), and measured again on request.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from multikernelbench.evaluation.evaluator import Evaluator
from multikernelbench.evaluation.protocol import EnvReport, Phase, TaskSpec, TimeReport, WorkerRequest
from multikernelbench.evaluation.sandbox import child_environment, run_worker
from multikernelbench.records import TimingStats
from multikernelbench.tasks.task import Task


@dataclass(frozen=True)
class Baseline:
    """One task's reference times on one device, or why they could not be measured."""

    task: str
    profile: str
    eager: TimingStats | None
    compiled: TimingStats | None
    error: str | None = None
    compile_error: str | None = None
    hardware: dict[str, Any] | None = None
    cached: bool = False


_TIMING_PROTOCOL = 2


class BaselineCache:
    """Measured baselines of one evaluator's backend and device, keyed by task and profile."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        # "protocol" names how a trial is timed: 2 since host trials start with a wake-up call.
        facts = {"backend": evaluator.backend.name, "mode": evaluator.mode, "timing": asdict(evaluator.timing_plan()),
                 "protocol": _TIMING_PROTOCOL,
                 "device": evaluator.device.host_fingerprint(), **evaluator.toolchain.facts}
        key = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]
        self.path = evaluator.config.cache_dir / "baselines" / f"{evaluator.backend.name}-{key}.json"

    def get(self, task: Task, refresh: bool = False) -> Baseline:
        """The cached baseline of ``task``, else a fresh measurement (stored when it succeeded)."""
        profile = self.evaluator.resolve_profile(task)
        entries = self._load()
        entry = entries.get(f"{task.name}@{profile}")
        if entry is not None and not refresh:
            return _from_json(entry, cached=True)
        baseline = self.measure(task, profile)
        if baseline.error is None:
            self._add(f"{task.name}@{profile}", asdict(baseline))
        return baseline

    def measure(self, task: Task, profile: str) -> Baseline:
        """Time the reference (and its torch.compile) in a fresh worker, alone on the device.

        Raises :class:`~multikernelbench.errors.TaskError` when the reference cannot be made or run, or
        does not fit the limits.
        """
        evaluator = self.evaluator
        config = evaluator.config
        request = WorkerRequest(
            step="baseline", backend=evaluator.backend.name, mode=evaluator.mode, candidate_path="", module_name="",
            build_dir="", task=TaskSpec(task.name, task.category, task.path, task.source), profile=profile,
            init_seed=config.seed or 0, input_seeds=tuple(range(1, config.timing_plan.input_sets + 1)),
            timing=evaluator.timing_plan(), compile_baseline=config.compile_baseline,
        )
        hold = evaluator.gate.timing(exclusive=True) if evaluator.host_timing else evaluator.device_lanes.alone()
        with hold as lane, tempfile.TemporaryDirectory(prefix="mkb-baseline-") as work:
            env = {"TORCHINDUCTOR_CACHE_DIR": str(config.inductor_cache_dir)}
            if evaluator.lanes > 1:
                env |= evaluator.device.worker_environment(lane)
            outcome = run_worker(request, Path(work), config.phase_limits, config.memory_limit_bytes,
                                 child_environment(env), python=evaluator.python)
        # A reference that cannot run or does not fit is the task's error, said the way ``mkb eval`` says it.
        if (task_error := evaluator.task_error(outcome, TimeReport, task, profile)) is not None:
            raise task_error
        report: TimeReport | None = outcome.last(TimeReport)
        env_report: EnvReport | None = outcome.last(EnvReport)
        hardware = env_report.hardware if env_report else None
        if report is None or not report.ok:
            error = report.error if report is not None else outcome.death()
            phase = outcome.last_phase or Phase.START.value
            return Baseline(task.name, profile, None, None, f"{error} (in the {phase} phase)", hardware=hardware)
        compiled = TimingStats.from_samples(report.compile_baseline_ms) if report.compile_baseline_ms else None
        return Baseline(task.name, profile, TimingStats.from_samples(report.baseline_ms), compiled,
                        compile_error=report.compile_baseline_error, hardware=hardware)

    def _load(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def _add(self, key: str, entry: dict[str, Any]) -> None:
        """Add one entry, re-reading the file under a lock: several processes (the lanes of a cluster node)
        may measure into the same file, and none may drop another's entry."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self._load()
            entries[key] = entry
            partial = self.path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(entries, indent=1))
            partial.replace(self.path)  # atomic: a reader never sees half a file


def _from_json(entry: dict[str, Any], cached: bool) -> Baseline:
    def stats(data: dict[str, Any] | None) -> TimingStats | None:
        return TimingStats(**{**data, "samples": tuple(data.get("samples", ()))}) if data else None

    return Baseline(entry["task"], entry["profile"], stats(entry["eager"]), stats(entry["compiled"]),
                    entry.get("error"), entry.get("compile_error"), entry.get("hardware"), cached=cached)
