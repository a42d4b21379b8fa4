"""Planning a cluster's lanes, choosing its mode, and reaching it: no Ray instance needed."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from multikernelbench.errors import ClusterLost, UserError
from multikernelbench.executors.ray_cluster import NodeOffer, check_reachable, choose_mode, plan_lanes
from tests.support.cli import mkb


def cpu_node(name: str, cores: int, mode: str | None = "native", reason: str | None = None) -> NodeOffer:
    return NodeOffer(f"id-{name}", name, mode, reason, tuple(range(cores)), 0, "", host_lanes=True)


def gpu_node(name: str, gpus: int, mode: str | None = "native", reason: str | None = None) -> NodeOffer:
    return NodeOffer(f"id-{name}", name, mode, reason, tuple(range(16)), gpus, "", host_lanes=False)


def test_cpu_lanes_own_disjoint_cores_and_default_to_one_lane_per_node() -> None:
    node = cpu_node("a", 8)
    assert [slot.cores for slot in plan_lanes([node], "native")] == [tuple(range(8))]
    slots = plan_lanes([node], "native", lane_cores=3)
    assert [slot.cores for slot in slots] == [(0, 1, 2), (3, 4, 5)]  # two cores left over: no half lane
    assert [slot.label for slot in slots] == ["a/cpu0-2", "a/cpu3-5"]


def test_gpu_lanes_are_one_per_gpu_and_a_cap_spreads_over_the_nodes() -> None:
    nodes = [gpu_node("a", 4), gpu_node("b", 2)]
    slots = plan_lanes(nodes, "native")
    assert sorted(slot.label for slot in slots) == ["a/gpu0", "a/gpu1", "a/gpu2", "a/gpu3", "b/gpu0", "b/gpu1"]
    assert all(slot.cores == () for slot in slots)  # a GPU lane leaves the node's cores to builds
    assert [slot.label for slot in plan_lanes(nodes, "native", lanes=3)] == ["a/gpu0", "b/gpu0", "a/gpu1"]


def test_only_nodes_that_reach_the_runs_mode_get_lanes() -> None:
    nodes = [gpu_node("gpu-box", 2), cpu_node("laptop", 4, mode="interpreter"),
             gpu_node("no-nvcc", 8, mode=None, reason="nvcc not found")]
    assert choose_mode(nodes, "triton") == "native"
    assert {slot.node.host for slot in plan_lanes(nodes, "native")} == {"gpu-box"}
    # Without a GPU node the run is interpreted, on the CPU nodes only.
    assert choose_mode(nodes[1:], "triton") == "interpreter"


def test_a_cluster_that_cannot_serve_the_backend_is_one_line_naming_each_nodes_reason() -> None:
    nodes = [gpu_node("a", 0, mode="native"), gpu_node("b", 4, mode=None, reason="nvcc not found")]
    with pytest.raises(ClusterLost) as caught:
        choose_mode(nodes, "cuda")
    message = str(caught.value)
    assert "backend 'cuda'" in message and "a: no GPU scheduled by Ray" in message and "b: nvcc not found" in message
    assert "\n" not in message
    with pytest.raises(ClusterLost, match="head: no CPU scheduled by Ray"):
        choose_mode([cpu_node("head", 0)], "cpp")  # e.g. a head started with --num-cpus=0
    with pytest.raises(ClusterLost, match="cores for a lane"):
        plan_lanes([cpu_node("a", 2)], "native", lane_cores=4)


def test_an_address_nobody_listens_on_fails_in_seconds() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed
    start = time.monotonic()
    with pytest.raises(ClusterLost, match="connection refused"):
        check_reachable(f"127.0.0.1:{port}")
    assert time.monotonic() - start < 5
    with pytest.raises(UserError, match="HOST:PORT"):
        check_reachable("head-node")


def test_the_cli_says_in_one_line_when_the_cluster_cannot_be_reached(build_cache: Path, tmp_path: Path) -> None:
    response = tmp_path / "answer.txt"
    response.write_text("no code")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = mkb("eval", "--task", "relu", "--response", str(response), "--executor", "ray",
                 "--ray-address", f"127.0.0.1:{port}", cache=build_cache)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: cannot reach the Ray cluster at 127.0.0.1:{port} (connection refused); "
                                      "check --ray-address (or $RAY_ADDRESS) and that 'ray start --head' runs there")
    local = mkb("eval", "--task", "relu", "--response", str(response), "--lanes", "2", cache=build_cache)
    assert local.returncode == 2 and "--lanes applies only to --executor ray" in local.stderr
    unknown = mkb("baseline", "--executor", "slurm", cache=build_cache)
    assert unknown.returncode == 2 and "unknown executor 'slurm'" in unknown.stderr
