"""The Ray executor on a local Ray instance with two CPU lanes (cpp): the same verdicts as the local executor,
and nothing lost or stored twice when a lane, a lane's worker or the driver itself is killed mid-run.

The answers are plain PyTorch (they need no C++ build) apart from the bundled relu, whose build the test session
shares. The tests share one Ray instance, so they run on one xdist worker (``--dist loadgroup``).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.executors.local import WorkItem, execute
from multikernelbench.executors.ray_executor import RayEvaluator
from multikernelbench.generation.conversation import Conversation, Limits
from multikernelbench.generation.replay import ReplaySource
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import select_tasks
from tests.conftest import FAST_TIMING

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")

pytestmark = pytest.mark.xdist_group("ray")

#: Five activation tasks whose forward is one torch call on x, and that call.
OPS = {"relu": "torch.relu(x)", "sigmoid": "torch.sigmoid(x)", "tanh": "torch.tanh(x)",
       "gelu": "torch.nn.functional.gelu(x)", "swish": "x * torch.sigmoid(x)"}


def slow_answer(op: str, delay_s: float) -> str:
    """A right answer in plain PyTorch that takes ``delay_s`` per call (time for a test to kill something)."""
    return ("```python\nimport time\nimport torch\n\n\nclass ModelNew(torch.nn.Module):\n"
            "    def __init__(self, *args):\n        super().__init__()\n\n"
            f"    def forward(self, x):\n        time.sleep({delay_s})\n        return {op}\n```\n")


WRONG = ("```python\nimport torch\n\n\nclass ModelNew(torch.nn.Module):\n"
         "    def forward(self, x):\n        return x + 1\n```\n")
CRASH = ("```python\nimport os\nimport torch\n\n\nclass ModelNew(torch.nn.Module):\n"
         "    def forward(self, x):\n        os.abort()\n```\n")
NO_BUILD = "```python\nimport torch\nkernel = load_inlin('x')\n```\n"
NO_CODE = "I cannot do this."


@pytest.fixture(scope="module")
def ray_address() -> str:
    """A Ray instance of two CPUs for this module, as a cluster's head would be."""
    context = ray.init(num_cpus=2, include_dashboard=False, object_store_memory=100 * 2**20, log_to_driver=False,
                       logging_level=logging.ERROR)
    yield context.address_info["gcs_address"]
    ray.shutdown()


def config_for(cache: Path, **overrides) -> EvalConfig:
    settings = dict(seed=1234, cache_dir=cache, timing_plan=FAST_TIMING, check_timeout_s=60.0, compile_baseline=False,
                    time_timeout_s=60.0, memory_limit_bytes=4 * 2**30)
    return EvalConfig(**(settings | overrides))


def summary(record) -> tuple:
    """What a verdict says, apart from measurements and where it was made."""
    return (record.task, record.compiled, record.correctness, record.passed, record.failed_phase,
            tuple((p.phase, p.ok, p.failure) for p in record.phases),
            tuple(sorted(flag.check for flag in record.integrity_flags)))


def test_lanes_give_the_verdicts_the_local_evaluator_gives(ray_address: str, build_cache: Path) -> None:
    relu, = select_tasks(["relu"])
    answers = {"bundled": bundled_solution("relu", "cpp"), "plain torch (flagged)": slow_answer("torch.relu(x)", 0),
               "wrong": WRONG, "crash": CRASH, "no build": NO_BUILD, "no code": NO_CODE}
    config = config_for(build_cache)
    local = Evaluator("cpp", config)
    expected = {name: summary(local.evaluate(relu, text)) for name, text in answers.items()}
    judge = RayEvaluator("cpp", config, lanes=2, lane_cores=1)
    try:
        assert [label for label, _, _ in judge.lane_load()] == [slot.label for slot in judge.slots]
        assert len(judge.slots) == 2 and judge.capacity == 2 and judge.mode == local.mode
        records = {}
        threads = [threading.Thread(target=lambda n=name, t=text: records.__setitem__(n, judge.evaluate(relu, t)))
                   for name, text in answers.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        judge.close()
    assert {name: summary(record) for name, record in records.items()} == expected
    assert expected["bundled"][3] and not expected["wrong"][3] and expected["crash"][4] == "check"
    # Each verdict says where it was made: the node, the lane (one of the two, each owning one core).
    lanes = {record.hardware["lane"] for record in records.values() if record.failed_phase != "extract"}
    assert lanes <= {slot.label for slot in judge.slots}
    assert all(record.hardware["executor"] == "ray" for record in records.values())
    assert records["bundled"].hardware["logical_cores"] == 1 and records["bundled"].runtime is not None


def replay_folder(root: Path, samples: int, delay_s: float) -> Path:
    folder = root / "answers"
    for sample in range(samples):
        (folder / f"run{sample}").mkdir(parents=True)
        for task, op in OPS.items():
            (folder / f"run{sample}" / f"{task}.txt").write_text(slow_answer(op, delay_s))
    return folder


def run_in_process(judge: RayEvaluator, store: Store, folder: Path, samples: int) -> list:
    info = RunInfo("lanes", "replay:answers", "cpp", "none", "small", {})
    store.open_run(info)
    source = ReplaySource(folder)
    conversation = Conversation(info, source, judge, store, None, Limits.of(1, judge.capacity))
    items = [WorkItem(task, sample) for task in select_tasks(list(OPS)) for sample in range(samples)]
    return execute(items, conversation, workers=1 + judge.capacity)


def stored(store_path: Path) -> list[tuple]:
    with sqlite3.connect(store_path) as db:
        return db.execute("SELECT task, sample, turn, passed, failed_phase, record_json, created_at FROM verdicts "
                          "ORDER BY task, sample").fetchall()


def kill_once_busy(judge: RayEvaluator, target, after_s: float = 1.0) -> threading.Thread:
    """Start a thread that waits until a lane has held an evaluation for ``after_s``, then kills ``target(lane)``."""
    def watch() -> None:
        busy_since: dict[str, float] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for lane in judge.pool.ready_lanes():
                if lane.busy == 0:
                    busy_since.pop(lane.label, None)
                elif time.monotonic() - busy_since.setdefault(lane.label, time.monotonic()) >= after_s:
                    if target(lane):
                        return
            time.sleep(0.05)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_lane_killed_mid_evaluation_has_its_answer_evaluated_elsewhere_once(
        ray_address: str, build_cache: Path, tmp_path: Path) -> None:
    folder = replay_folder(tmp_path, samples=2, delay_s=0.4)
    judge = RayEvaluator("cpp", config_for(build_cache, timing=False, integrity="off"), lanes=2, lane_cores=1)
    killed: list[str] = []

    def kill_lane(lane) -> bool:
        os.kill(lane.info["pid"], signal.SIGKILL)
        killed.append(lane.label)
        return True

    store = Store(tmp_path / "results.sqlite")
    try:
        watcher = kill_once_busy(judge, kill_lane)
        outcomes = run_in_process(judge, store, folder, samples=2)
        watcher.join(timeout=1)
        losses = judge.pool.losses
        lanes_after = len(judge.pool.ready_lanes())
    finally:
        judge.close()
        store.close()
    assert killed, "no lane was killed: the test did not test anything"
    rows = stored(tmp_path / "results.sqlite")
    assert [(task, sample) for task, sample, *_ in rows] == sorted((t, s) for t in OPS for s in range(2))
    # The killed lane's answer was evaluated again, in full: every answer passed, none is missing or twice.
    assert all(passed for _, _, _, passed, *_ in rows), [(t, s, phase) for t, s, _, _, phase, *_ in rows]
    assert all(len(outcome.records) == 1 and outcome.evaluation_lost is None for outcome in outcomes)
    assert losses == 1 and lanes_after == 2  # its place got a new lane


def test_a_lanes_worker_killed_mid_check_is_that_answers_crash_verdict_once(
        ray_address: str, build_cache: Path, tmp_path: Path) -> None:
    folder = replay_folder(tmp_path, samples=1, delay_s=0.6)  # a check of about 4 s
    judge = RayEvaluator("cpp", config_for(build_cache, timing=False, integrity="off"), lanes=2, lane_cores=1)
    killed: list[int] = []

    def kill_worker(lane) -> bool:
        # The judge's worker, well into its check (the lane's other child is the reaper, which outlives
        # evaluations; a build of these answers takes about a second).
        workers = [child for child in psutil.Process(lane.info["pid"]).children()
                   if "multikernelbench.evaluation.worker" in " ".join(child.cmdline())
                   and time.time() - child.create_time() >= 1.5]
        if not workers:
            return False
        workers[0].kill()
        killed.append(workers[0].pid)
        return True

    store = Store(tmp_path / "results.sqlite")
    try:
        watcher = kill_once_busy(judge, kill_worker, after_s=0)
        run_in_process(judge, store, folder, samples=1)
        watcher.join(timeout=1)
        losses = judge.pool.losses
    finally:
        judge.close()
        store.close()
    assert killed, "no worker was killed: the test did not test anything"
    rows = stored(tmp_path / "results.sqlite")
    assert sorted(task for task, *_ in rows) == sorted(OPS)
    failed = [(task, phase, json.loads(record)["error"]) for task, _, _, passed, phase, record, _ in rows if not passed]
    # As on one machine: the killed worker is that answer's verdict (a crash), and the lane lives on.
    assert len(failed) == 1 and failed[0][1] in ("build", "check") and "SIGKILL" in failed[0][2], failed
    assert losses == 0


def test_a_driver_killed_mid_run_resumes_losing_and_duplicating_nothing(
        ray_address: str, build_cache: Path, tmp_path: Path) -> None:
    folder = replay_folder(tmp_path, samples=2, delay_s=0.3)
    store_path = tmp_path / "results.sqlite"
    command = [sys.executable, "-m", "multikernelbench.cli", "run", "--model", f"replay:{folder}", "--executor", "ray",
               "--ray-address", ray_address, "--lane-cores", "1", "--store", str(store_path), "--no-timing",
               "--integrity", "off", "--seed", "3", "--cache-dir", str(build_cache), "--check-timeout", "60"]
    env = {**os.environ, "COLUMNS": "200"}
    driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    before: list[tuple] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and driver.poll() is None:
        if store_path.exists():
            try:
                before = stored(store_path)
            except sqlite3.OperationalError:  # the tables are being made
                before = []
            if len(before) >= 2:
                break
        time.sleep(0.1)
    assert driver.poll() is None, f"the driver ended before it could be killed: {driver.stderr.read()}"
    driver.kill()
    driver.wait()
    before = stored(store_path)
    assert 2 <= len(before) < 2 * len(OPS)
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(before)} of {2 * len(OPS)} answers already evaluated" in again.stderr
    after = stored(store_path)
    assert [(task, sample) for task, sample, *_ in after] == sorted((t, s) for t in OPS for s in range(2))
    assert set(before) <= set(after)  # what was stored before the kill is kept as it was, not evaluated again
    assert all(passed for _, _, _, passed, *_ in after)


def test_a_lane_times_the_reference_and_caches_it_on_its_node(ray_address: str, tmp_path: Path) -> None:
    relu, = select_tasks(["relu"])
    judge = RayEvaluator("cpp", config_for(tmp_path / "cache"), lanes=1, lane_cores=1)
    try:
        first = judge.baseline(relu)
        again = judge.baseline(relu)
    finally:
        judge.close()
    assert first.error is None and first.eager is not None and first.eager.median > 0 and not first.cached
    assert again.cached and again.eager == first.eager
    assert len(list((tmp_path / "cache" / "baselines").glob("cpp-*.json"))) == 1
