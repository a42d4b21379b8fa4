"""A node of the cluster dies while its lane holds an answer: the answer is evaluated again on another node,
once, and the dead node's lane is not started again.

Two Ray nodes on this machine (``ray.cluster_utils.Cluster``: a head and a worker node, each its own raylet
with one CPU); the worker node is removed, all its processes killed, mid-evaluation.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from multikernelbench.executors.ray_executor import RayEvaluator
from multikernelbench.store import Store
from tests.executors.test_ray_executor import OPS, config_for, kill_once_busy, replay_folder, run_in_process, stored

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")
cluster_utils = pytest.importorskip("ray.cluster_utils")

pytestmark = [pytest.mark.xdist_group("ray"), pytest.mark.slow]


def test_a_node_that_dies_mid_evaluation_has_its_answer_evaluated_on_another(
        build_cache: Path, tmp_path: Path) -> None:
    cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker_node = cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR)
    try:
        folder = replay_folder(tmp_path, samples=1, delay_s=0.4)
        judge = RayEvaluator("cpp", config_for(build_cache, timing=False, integrity="off"))
        head_id, worker_id = cluster.head_node.node_id, worker_node.node_id
        assert {slot.node.node_id for slot in judge.slots} == {head_id, worker_id}
        removed: list[str] = []

        def remove_worker_node(lane) -> bool:
            if lane.slot.node.node_id != worker_id:
                return False
            cluster.remove_node(worker_node, allow_graceful=False)
            removed.append(lane.label)
            return True

        store = Store(tmp_path / "results.sqlite")
        try:
            watcher = kill_once_busy(judge, remove_worker_node)
            outcomes = run_in_process(judge, store, folder, samples=1)
            watcher.join(timeout=1)
            losses, lanes_after = judge.pool.losses, judge.pool.ready_lanes()
        finally:
            judge.close()
            store.close()
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert removed, "the worker node's lane never held an answer: the test did not test anything"
    rows = stored(tmp_path / "results.sqlite")
    assert sorted(task for task, *_ in rows) == sorted(OPS)
    assert all(passed for _, _, _, passed, *_ in rows) and all(o.evaluation_lost is None for o in outcomes)
    # The head's lane evaluated what the dead node held; no lane was started again on the dead node.
    assert losses == 1 and [lane.slot.node.node_id for lane in lanes_after] == [head_id]
