"""Joining a Ray cluster, and finding which of its nodes can serve a backend and how many lanes each holds.

Ray is optional (the ``ray`` extra): it is imported only by the executor's
modules, and only when ``--executor ray`` is asked for. The address comes
from ``--ray-address``, else ``$RAY_ADDRESS``, else a Ray instance is started
on this machine, so one command runs on a laptop and on a cluster. An address
that does not answer is one line within seconds (Ray itself would wait for
minutes).

A node serves a backend when the backend's toolchain works there, as the
node's own Python sees it, and it has the device: GPUs for the native GPU
backends, cores for the host CPU (the cpp backend, interpreted kernels and
build-only runs). A GPU lane owns one GPU; a CPU lane owns a set of cores,
``lane_cores`` of them (default: all of its node's, one lane per node), so
lanes on one node never time on the same cores.
"""

from __future__ import annotations

import logging
import os
import platform
import socket
from dataclasses import dataclass, replace
from typing import Any

from multikernelbench.errors import ClusterLost, UserError
from multikernelbench.evaluation.evaluator import EvalConfig

ADDRESS_VARIABLE = "RAY_ADDRESS"
#: Seconds to wait for a TCP answer from the cluster's address before saying it cannot be reached.
CONNECT_TIMEOUT_S = 5.0
#: Modes, the most useful first: a run uses the nodes that reach the best one (modes never mix in a run).
_MODE_ORDER = ("native", "interpreter", "build_only")
_INSTALL_HINT = "--executor ray needs Ray on this machine and every node: pip install 'multikernelbench[ray]'"


def import_ray() -> Any:
    """The ``ray`` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UserError(_INSTALL_HINT) from None
    return ray


def resolve_address(address: str | None) -> str | None:
    """``--ray-address``, else ``$RAY_ADDRESS``; None means a Ray instance of our own on this machine."""
    return address or os.environ.get(ADDRESS_VARIABLE) or None


def connect(address: str | None) -> tuple[str, bool]:
    """Join the cluster at ``address`` (see :func:`resolve_address`); returns its label and whether this process
    started it (and so must shut it down). A process already connected (a test, a notebook) keeps its cluster."""
    ray = import_ray()
    if ray.is_initialized():
        return "the connected Ray cluster", False
    address = resolve_address(address)
    if address and address != "auto":
        check_reachable(address)
    # Ray's own log lines (start-up, warnings about its tokens) would interleave with the run's; lanes' output
    # stays in the cluster's logs.
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(include_dashboard=False, **quiet)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise ClusterLost(f"cannot connect to {where}: {_first_line(exc)}; check --ray-address (or "
                          f"${ADDRESS_VARIABLE}) and 'ray status' on the head node") from None
    return (f"the Ray cluster at {address}" if address else "a local Ray instance"), not address


def check_reachable(address: str) -> None:
    """Raise :class:`ClusterLost` unless something accepts TCP connections at ``address`` (host:port)."""
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--ray-address {address}: expected HOST:PORT (the head node's 'ray start --head' "
                        "address, e.g. 10.0.0.1:6379), 'auto', or ray://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else (
            "no answer" if isinstance(exc, TimeoutError) else _first_line(exc))
        raise ClusterLost(f"cannot reach the Ray cluster at {address} ({reason}); check --ray-address (or "
                          f"${ADDRESS_VARIABLE}) and that 'ray start --head' runs there") from None


@dataclass(frozen=True)
class NodeOffer:
    """What one node of the cluster can do for a backend."""

    node_id: str
    host: str
    mode: str | None  # how it runs the backend (native, interpreter, build_only); None: it cannot
    reason: str | None  # why it cannot
    cores: tuple[int, ...]  # the cores its CPU lanes may own
    gpus: int  # the GPUs Ray schedules there
    visible: str  # the device visibility its processes start with (given back to builds on the node)
    host_lanes: bool = True  # the backend runs on the CPU here (its lanes own cores, not GPUs)


@dataclass(frozen=True)
class LaneSlot:
    """A place for one lane: a node and the device it owns there (one GPU, or a set of cores)."""

    node: NodeOffer
    index: int
    cores: tuple[int, ...] = ()  # a CPU lane's cores; empty for a GPU lane

    @property
    def label(self) -> str:
        kind = f"cpu{self.cores[0]}-{self.cores[-1]}" if self.cores else f"gpu{self.index}"
        return f"{self.node.host}/{kind}"


def describe_node(backend: str, config: EvalConfig, visibility_variable: str | None) -> dict[str, Any]:
    """Run on a node (as a Ray task): whether the backend works here, in which mode, with which cores.

    Ray hides GPUs from tasks that asked for none; the backend is probed with the node's own visibility.
    """
    from multikernelbench.evaluation.evaluator import Evaluator

    hidden = os.environ.pop(visibility_variable, None) if visibility_variable else None
    try:
        try:
            evaluator = Evaluator(backend, config)
        except UserError as exc:
            return {"host": platform.node(), "mode": None, "reason": str(exc), "cores": _cores(), "visible": "",
                    "host_lanes": True}
        visible = os.environ.get(visibility_variable, "") if visibility_variable else ""
        # Build-only runs never touch the device: their lanes are cores too.
        host_lanes = evaluator.device.is_host or evaluator.mode == "build_only"
        return {"host": platform.node(), "mode": evaluator.mode, "reason": None, "cores": _cores(), "visible": visible,
                "host_lanes": host_lanes}
    finally:
        if hidden is not None:
            os.environ[visibility_variable] = hidden


def probe_nodes(backend: str, config: EvalConfig, visibility_variable: str | None) -> list[NodeOffer]:
    """Every alive node's offer for ``backend``, each found by a small task pinned to that node."""
    ray = import_ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    describe = ray.remote(num_cpus=0)(describe_node)
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    refs = [describe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False))
            .remote(backend, config, visibility_variable) for node in nodes]
    offers = []
    for node, ref in zip(nodes, refs):
        try:
            facts = ray.get(ref, timeout=300)
        except Exception as exc:  # a node that died or cannot run our package: it serves nothing, and says why
            facts = {"host": node.get("NodeManagerAddress", "?"), "mode": None, "cores": [], "visible": "",
                     "host_lanes": True,
                     "reason": f"its probe failed ({_first_line(exc)}); is multikernelbench installed there?"}
        resources = node.get("Resources", {})
        cpus = int(resources.get("CPU", 0))
        offers.append(NodeOffer(node["NodeID"], facts["host"], facts["mode"], facts["reason"],
                                tuple(sorted(facts["cores"])[:cpus]), int(resources.get("GPU", 0)),
                                facts["visible"], facts["host_lanes"]))
    # Nodes sharing a host name (several raylets on one machine, containers) are told apart by their IDs.
    hosts = [offer.host for offer in offers]
    return [replace(offer, host=f"{offer.host}#{offer.node_id[:6]}") if hosts.count(offer.host) > 1 else offer
            for offer in offers]


def choose_mode(offers: list[NodeOffer], backend: str) -> str:
    """The best mode some node reaches; a one-line error naming each node's reason when none can serve."""
    for mode in _MODE_ORDER:
        if any(offer.mode == mode and _has_device(offer) for offer in offers):
            return mode
    reasons = "; ".join(f"{offer.host}: {offer.reason or _missing_device(offer)}" for offer in offers)
    raise ClusterLost(f"no node of the Ray cluster can serve backend '{backend}' ({reasons or 'no alive nodes'}); "
                      "install its toolchain there, or pick a backend the nodes have")


def plan_lanes(offers: list[NodeOffer], mode: str, lanes: int | None = None,
               lane_cores: int | None = None) -> list[LaneSlot]:
    """Lane places on the nodes serving ``mode``: one per GPU, or one per ``lane_cores`` cores (default: all of a
    node's cores); taken in turn from each node, so a cap of ``lanes`` spreads over the nodes."""
    per_node: list[list[LaneSlot]] = []
    for offer in offers:
        if offer.mode != mode or not _has_device(offer):
            continue
        if offer.host_lanes:
            size = lane_cores or len(offer.cores)
            count = len(offer.cores) // size
            per_node.append([LaneSlot(offer, i, offer.cores[i * size:(i + 1) * size]) for i in range(count)])
        else:
            per_node.append([LaneSlot(offer, i) for i in range(offer.gpus)])
    slots = [node[i] for i in range(max((len(n) for n in per_node), default=0)) for node in per_node if i < len(node)]
    if not slots:
        raise ClusterLost(f"no node has {lane_cores} cores for a lane (--lane-cores); use fewer")
    return slots[:lanes] if lanes else slots


def _missing_device(offer: NodeOffer) -> str:
    return f"no {'CPU' if offer.host_lanes else 'GPU'} scheduled by Ray (see 'ray status')"


def _has_device(offer: NodeOffer) -> bool:
    return offer.mode is not None and (bool(offer.cores) if offer.host_lanes else offer.gpus > 0)


def _cores() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
