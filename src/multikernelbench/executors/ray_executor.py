"""Evaluating a run's answers on the lanes of a Ray cluster, from the driver (the process that runs ``mkb``).

:class:`RayEvaluator` stands in for the local evaluator: the run's threads call
``evaluate(task, text)`` as before, and get a verdict back, so asking the
model, storing and resuming stay in the driver exactly as locally (the driver
is the store's one writer; lanes only return data). Each call takes a place
on the least busy lane that has one; a lane that dies while holding a call
(its process, or its node) is replaced where its node still lives, and the
call is made again on another lane. An answer whose lane is lost three times
gets no verdict (:class:`~multikernelbench.errors.EvaluationLost`) and waits
for the next run; a cluster with no lane left stops the run
(:class:`~multikernelbench.errors.ClusterLost`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from multikernelbench.backends.devices import device_class
from multikernelbench.backends.registry import get_backend
from multikernelbench.errors import ClusterLost, EvaluationLost
from multikernelbench.evaluation.baselines import Baseline
from multikernelbench.evaluation.evaluator import EvalConfig, resolve_profile
from multikernelbench.executors.ray_cluster import (
    LaneSlot,
    choose_mode,
    connect,
    import_ray,
    plan_lanes,
    probe_nodes,
)
from multikernelbench.executors.ray_lanes import Lane, LaneResult
from multikernelbench.records import EvalRecord
from multikernelbench.tasks.task import Task

#: Attempts at one evaluation before it is given up for this run (each on a lane that was alive when chosen).
MAX_ATTEMPTS = 3
#: Deaths of a lane place in a row (no evaluation finished between them) after which it is not restarted.
_MAX_RESTARTS = 3
#: Checks sharing one GPU lane come from the evaluator's configuration; at least this many builds go beside them.
_BUILDS_PER_GPU_LANE = 2
#: Seconds the run waits for the rest of its lanes once the first is up (later ones join as they come).
_LATE_LANES_S = 15.0


@dataclass
class LaneState:
    """One running lane as the driver sees it."""

    slot: LaneSlot
    actor: Any
    capacity: int
    busy: int = 0
    ready: bool = False
    alive: bool = True
    deaths: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.slot.label


class LanePool:
    """The run's lanes: starts them, hands out places on them, and replaces the ones that die."""

    def __init__(self, slots: list[LaneSlot], backend: str, config: EvalConfig, start_timeout_s: float) -> None:
        self._ray = import_ray()
        self.backend = backend
        self.config = config
        self._cond = threading.Condition()
        self._lanes: list[LaneState] = []
        self._starting = 0  # lanes asked for and not yet up (or found dead)
        self._closed = False
        #: Lanes found dead while holding an evaluation, this run.
        self.losses = 0
        for slot in slots:
            self._start(slot)
        with self._cond:
            if not self._cond.wait_for(lambda: any(lane.ready for lane in self._lanes) or self._starting == 0,
                                       timeout=start_timeout_s):
                self.close()
                raise ClusterLost(f"no lane of the Ray cluster started within {start_timeout_s:.0f} s: its CPUs "
                                  "or GPUs are held by other jobs ('ray status' on the head node shows them)")
            if not any(lane.ready for lane in self._lanes):
                raise ClusterLost("every lane of the Ray cluster died while starting; see the lanes' logs "
                                  "(/tmp/ray/session_latest/logs on their nodes)")
            # The others usually follow within seconds; lanes still waiting for resources join when they are up.
            self._cond.wait_for(lambda: self._starting == 0, timeout=_LATE_LANES_S)

    # ---- places on lanes ----

    def acquire(self) -> LaneState:
        """A place on the least busy ready lane (waits for one); :class:`ClusterLost` when none is left."""
        with self._cond:
            while True:
                if self._closed:
                    raise ClusterLost("the run's lanes were closed")
                free = [lane for lane in self._lanes if lane.alive and lane.ready and lane.busy < lane.capacity]
                if free:
                    lane = min(free, key=lambda lane: lane.busy / lane.capacity)
                    lane.busy += 1
                    return lane
                if not any(lane.alive for lane in self._lanes) and self._starting == 0:
                    raise ClusterLost("no lane of the Ray cluster is left (their processes or nodes died); the "
                                      "verdicts so far are stored: run the same command again when it is back")
                self._cond.wait(timeout=5.0)

    def release(self, lane: LaneState, finished: bool) -> None:
        with self._cond:
            lane.busy -= 1
            if finished:
                lane.deaths = 0
            self._cond.notify_all()

    def lost(self, lane: LaneState) -> None:
        """``lane`` died: take it out, and start another in its place if its node still lives."""
        with self._cond:
            if not lane.alive:
                return  # several calls on it found it dead: replace it once
            lane.alive = False
            self.losses += 1
            deaths = lane.deaths + 1
            restart = deaths < _MAX_RESTARTS and not self._closed
            if restart:
                self._starting += 1  # counted now, so that no caller takes the pool for empty meanwhile
            self._cond.notify_all()
        if not restart:
            return
        if self._node_alive(lane.slot.node.node_id):
            self._start(lane.slot, deaths, counted=True)
            return
        with self._cond:
            self._starting -= 1
            self._cond.notify_all()

    def capacity(self) -> int:
        """Evaluations the lanes alive or starting can hold at once."""
        with self._cond:
            return sum(lane.capacity for lane in self._lanes if lane.alive)

    def load(self) -> list[tuple[str, int, int]]:
        """(label, evaluations in flight, capacity) of each alive lane, for progress displays."""
        with self._cond:
            return [(lane.label, lane.busy, lane.capacity) for lane in self._lanes if lane.alive and lane.ready]

    def ready_lanes(self) -> list[LaneState]:
        with self._cond:
            return [lane for lane in self._lanes if lane.alive and lane.ready]

    def close(self) -> None:
        """Stop every lane (their workers die with them)."""
        with self._cond:
            self._closed = True
            lanes = list(self._lanes)
            self._cond.notify_all()
        for lane in lanes:
            try:
                self._ray.kill(lane.actor)
            except Exception:  # already gone with its node
                pass

    # ---- starting lanes ----

    def _start(self, slot: LaneSlot, deaths: int = 0, counted: bool = False) -> None:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        host = bool(slot.cores)
        # A GPU lane keeps its checks busy and its share of the node's cores building the answers that come next.
        builds = max(_BUILDS_PER_GPU_LANE, len(slot.node.cores) // max(1, slot.node.gpus))
        capacity = len(slot.cores) if host else self.config.checks_per_device + builds
        # A CPU lane claims its cores from Ray; a GPU lane claims its GPU and leaves the CPUs to builds.
        resources = {"num_cpus": len(slot.cores)} if host else {"num_cpus": 0, "num_gpus": 1}
        actor_class = self._ray.remote(Lane).options(
            **resources, max_concurrency=capacity + 2, max_restarts=0,
            scheduling_strategy=NodeAffinitySchedulingStrategy(slot.node.node_id, soft=False))
        actor = actor_class.remote(self.backend, self.config, slot.label, slot.cores, remote_builds=not host)
        lane = LaneState(slot, actor, capacity, deaths=deaths)
        with self._cond:
            self._lanes.append(lane)
            self._starting += 0 if counted else 1
        threading.Thread(target=self._await_ready, args=(lane,), name=f"mkb-lane-{slot.label}", daemon=True).start()

    def _await_ready(self, lane: LaneState) -> None:
        try:
            info = self._ray.get(lane.actor.ready.remote())
        except Exception:  # died starting (its node went, or its process could not start)
            info = None
        with self._cond:
            self._starting -= 1
            if info is None:
                lane.alive = False
            else:
                lane.info, lane.ready = info, True
            self._cond.notify_all()

    def _node_alive(self, node_id: str) -> bool:
        try:
            return any(node["NodeID"] == node_id and node.get("Alive") for node in self._ray.nodes())
        except Exception:
            return False


class RayEvaluator:
    """Evaluates answers on a Ray cluster's lanes; used by a run where it would use a local Evaluator."""

    def __init__(self, backend: str, config: EvalConfig, address: str | None = None, lanes: int | None = None,
                 lane_cores: int | None = None, start_timeout_s: float = 300.0) -> None:
        self.config = config
        self.backend = get_backend(backend)
        self._ray = import_ray()
        self.cluster, self._owns_cluster = connect(address)
        try:
            visibility = device_class(self.backend.device_kind).visibility_variable
            self.offers = probe_nodes(backend, config, visibility)
            #: native, interpreter or build_only, as on a single machine: the best mode some node reaches.
            self.mode = choose_mode(self.offers, backend)
            self.slots = plan_lanes(self.offers, self.mode, lanes, lane_cores)
            self.pool = LanePool(self.slots, backend, config, start_timeout_s)
        except BaseException:
            self._shutdown()
            raise

    @property
    def capacity(self) -> int:
        """Evaluations the lanes can hold at once (what the run keeps in flight), lanes still starting included."""
        return self.pool.capacity() or 1

    def describe(self) -> str:
        """One line: where the run evaluates."""
        lanes = self.pool.ready_lanes()
        nodes = sorted({lane.slot.node.host for lane in lanes})
        lane_word, node_word = ("lane" if len(lanes) == 1 else "lanes"), ("node" if len(nodes) == 1 else "nodes")
        return (f"working on {self.cluster}: {len(lanes)} {lane_word} on {len(nodes)} {node_word} "
                f"({', '.join(lane.label for lane in lanes)})")

    def resolve_profile(self, task: Task) -> str:
        return resolve_profile(task, self.config.profile)

    def sandbox_warnings(self) -> tuple[str, ...]:
        """What the lanes' sandboxes cannot do, once per different line, with the hosts that said it."""
        by_line: dict[str, list[str]] = {}
        for lane in self.pool.ready_lanes():
            for line in lane.info.get("warnings", ()):
                hosts = by_line.setdefault(line, [])
                if lane.slot.node.host not in hosts:
                    hosts.append(lane.slot.node.host)
        return tuple(f"{line} (on {', '.join(hosts)})" for line, hosts in by_line.items())

    def lane_load(self) -> list[tuple[str, int, int]]:
        return self.pool.load()

    def evaluate(self, task: Task, response: str) -> EvalRecord:
        """The verdict on ``response``, from whichever lane is free; raises TaskError as the local evaluator does."""
        result = self._call(lambda lane: lane.actor.evaluate.remote(task, response), task)
        assert result.record is not None
        return result.record

    def baseline(self, task: Task, refresh: bool = False) -> Baseline:
        """The task's eager and torch.compile times, measured (or read from its cache) on a lane's node."""
        result = self._call(lambda lane: lane.actor.baseline.remote(task, refresh), task)
        assert result.baseline is not None
        return result.baseline

    def close(self) -> None:
        """Stop the lanes, and the Ray instance if this process started it."""
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.close()
        self._shutdown()

    def _call(self, send: Any, task: Task) -> LaneResult:
        ray = self._ray
        last: BaseException | None = None
        for _ in range(MAX_ATTEMPTS):
            lane = self.pool.acquire()
            finished = False
            try:
                result: LaneResult = ray.get(send(lane))
                finished = True
            except ray.exceptions.RayActorError as exc:  # the lane's process or node died under this call
                last = exc
                self.pool.lost(lane)
                continue
            except ray.exceptions.RayError as exc:  # the call failed inside a living lane (e.g. its build task)
                last = exc
                continue
            finally:
                self.pool.release(lane, finished)
            result.unwrap_task_error(task)
            return result
        reason = _describe(last)
        raise EvaluationLost(f"{task.name}: its evaluation was lost with its lane {MAX_ATTEMPTS} times "
                             f"(last: {reason}), so it has no verdict; check the cluster's nodes ('ray status')")

    def _shutdown(self) -> None:
        if self._owns_cluster and self._ray.is_initialized():
            # Give lanes a moment to go before the instance stops under them (quieter logs).
            time.sleep(0.1)
            self._ray.shutdown()
            self._owns_cluster = False


def _describe(error: BaseException | None) -> str:
    """One line for a failed call: the lane's own exception where Ray wraps one (its first line names only the
    remote call), else Ray's message."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException):
        text = str(cause).strip()
        return f"{type(cause).__name__}: {text.splitlines()[0]}" if text else type(cause).__name__
    text = str(error).strip() if error is not None else ""
    return text.splitlines()[0] if text else type(error).__name__
