"""A device lane of a Ray cluster: an evaluator of its own, in an actor that owns one GPU or a set of cores.

The lane judges answers exactly as :class:`~multikernelbench.evaluation.evaluator.Evaluator`
does on one machine (it *is* one, confined to its device): every candidate runs
in a child process under the lane, with the same limits, and a crash is the
same verdict. Checks of a few candidates share the lane's GPU and timing holds
it alone; a CPU lane builds, checks and times on its own cores, so a compiler
never runs beside one of its timings. On a GPU lane, builds are Ray tasks
asking for one CPU on the lane's node (a CUDA build is CPU-bound, and its
artefact must be where the check loads it). The lane writes nothing but build
caches: verdicts go back to the driver as data.
"""

from __future__ import annotations

import functools
import os
import platform
from dataclasses import dataclass
from typing import Any

from multikernelbench.errors import TaskError
from multikernelbench.evaluation.baselines import Baseline, BaselineCache
from multikernelbench.evaluation.evaluator import BuildResult, Candidate, EvalConfig, Evaluator
from multikernelbench.records import EvalRecord
from multikernelbench.tasks.task import Task


@dataclass(frozen=True)
class LaneResult:
    """What a lane sends back: a verdict or a baseline, or the task error that stopped it (never an exception:
    the driver tells a lane that failed from an answer that did)."""

    record: EvalRecord | None = None
    baseline: Baseline | None = None
    task_error: str | None = None
    too_big: bool = False

    def unwrap_task_error(self, task: Task) -> None:
        """Raise the task error this result carries, as the local evaluator would have."""
        if self.task_error is not None:
            raise TaskError(self.task_error, task=task.name, too_big=self.too_big)


class Lane:
    """The body of one lane actor (``ray.remote`` wraps it in :mod:`ray_executor`)."""

    def __init__(self, backend: str, config: EvalConfig, label: str, cores: tuple[int, ...] = (),
                 remote_builds: bool = False) -> None:
        self.cores = tuple(cores)
        if self.cores:
            # A CPU lane's device is its cores: its workers (and their OpenMP pools) are held to them.
            os.environ["OMP_NUM_THREADS"] = str(len(self.cores))
            self._pin()
        self.evaluator = Evaluator(backend, config)
        self.evaluator.placement = {"node": platform.node(), "lane": label, "executor": "ray"}
        self.label = label
        self._remote_builds = remote_builds
        self._build_task: Any = None  # the build as a Ray task, made on first use

    def ready(self) -> dict[str, Any]:
        """Who the lane is, once it is up: its process, mode and what its sandbox cannot do here."""
        return {"pid": os.getpid(), "mode": self.evaluator.mode, "label": self.label,
                "warnings": self.evaluator.sandbox_warnings()}

    def evaluate(self, task: Task, response: str) -> LaneResult:
        self._pin()  # this call's thread starts the workers, and they inherit its cores
        builder = self._build_on_this_node if self._remote_builds else None
        try:
            return LaneResult(record=self.evaluator.evaluate(task, response, builder))
        except TaskError as exc:
            return LaneResult(task_error=str(exc), too_big=exc.too_big)

    def baseline(self, task: Task, refresh: bool) -> LaneResult:
        self._pin()
        try:
            return LaneResult(baseline=BaselineCache(self.evaluator).get(task, refresh=refresh))
        except TaskError as exc:
            return LaneResult(task_error=str(exc), too_big=exc.too_big)

    def _build_on_this_node(self, candidate: Candidate) -> BuildResult:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        if self._build_task is None:
            node = ray.get_runtime_context().get_node_id()
            self._build_task = ray.remote(num_cpus=1)(build_candidate).options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
        variable = self.evaluator.device.visibility_variable
        visible = {variable: os.environ[variable]} if variable and variable in os.environ else {}
        return ray.get(self._build_task.remote(self.evaluator.backend.name, self.evaluator.config, candidate, visible))

    def _pin(self) -> None:
        if self.cores and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, self.cores)


def build_candidate(backend: str, config: EvalConfig, candidate: Candidate, visible: dict[str, str]) -> BuildResult:
    """Build one candidate (a Ray task on the lane's node), seeing the lane's device as the lane does: the
    toolchain facts, and so the build key, must match the check's."""
    previous = {name: os.environ.get(name) for name in visible}
    os.environ.update(visible)
    try:
        return _builder(backend, config, tuple(sorted(visible.items()))).build(candidate)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@functools.cache
def _builder(backend: str, config: EvalConfig, visible: tuple[tuple[str, str], ...]) -> Evaluator:
    """One evaluator per task process, backend, configuration and device view (its toolchain probe is not free)."""
    return Evaluator(backend, config)
