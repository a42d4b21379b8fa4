"""``mkb run`` against a model behind a real local HTTP server: answers, resumption, failures, secrets, replay."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from multikernelbench.generation.prompts.strategies import strip_profiles
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.tasks.loader import load_task
from tests.support.chat_server import ChatServer, Fault
from tests.support.cli import default_sigint, mkb
from tests.support.network import closed_port_url

# Exemplar tasks: their bundled solutions are built by other tests too, so the build cache is shared.
TASKS = ["relu", "add_bias_broadcast"]
KEY = "sk-mkbtest-Q7w9Zr5XyL2pN8vB4kJ6hT3m"
FAST = ["--no-timing", "--trials", "2", "--strategy", "zero_shot", "--max-retries", "1", "--request-timeout", "20"]

# A candidate that passes relu without a build and writes its environment where the run's files are.
ENV_DUMPING_RELU = """```python
import json, os, pathlib, torch
pathlib.Path(os.environ["MKB_TEST_DUMP"]).write_text(json.dumps(dict(os.environ)))
class ModelNew(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x)
```"""


def task_in_prompt(body: dict[str, Any]) -> str:
    """Which bundled task a zero-shot prompt asks for."""
    prompt = body["messages"][-1]["content"]
    matches = [name for name in TASKS + ["tanh"] if strip_profiles(load_task(name).source).strip() in prompt]
    assert len(matches) == 1, matches
    return matches[0]


def solve(body: dict[str, Any]) -> str:
    return bundled_solution(task_in_prompt(body), "cpp") or ""


def rows(store: Path, table: str) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute(f"SELECT task, sample, turn FROM {table} ORDER BY task, sample, turn").fetchall()


def test_model_run_evaluates_answers_and_a_rerun_asks_nothing(build_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"
    with ChatServer(responder=solve) as server:
        args = ["run", "--model", "openai/fake-coder", "--base-url", server.base_url, "--tasks", ",".join(TASKS),
                "--samples", "2", "--store", str(store), *FAST]
        first = mkb(*args, cache=build_cache)
        assert first.returncode == 0, first.stderr
        assert len(server.requests) == 4
        sent = server.requests[0].body
        assert sent["model"] == "fake-coder" and sent["stream"] is True and sent["temperature"] == 0.0
        with sqlite3.connect(store) as db:
            passed = db.execute("SELECT COUNT(*) FROM verdicts WHERE passed = 1").fetchone()[0]
            usage = json.loads(db.execute("SELECT completion_json FROM responses LIMIT 1").fetchone()[0])
            name = db.execute("SELECT name FROM runs").fetchone()[0]
        assert passed == 4 and usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
        assert name == "openai_fake-coder-cpp-zero_shot-small"
        again = mkb(*args, cache=build_cache)
        assert again.returncode == 0 and "4 of 4 answers already evaluated, 0 to go" in again.stderr
        assert len(server.requests) == 4
        # A new run with the same settings is answered from the completion cache.
        cached = mkb(*args, "--run-name", "second", cache=build_cache)
        assert cached.returncode == 0 and len(server.requests) == 4
    report = mkb("report", "--store", str(store), cache=build_cache)
    assert report.returncode == 0 and "100.0" in report.stdout


def test_failed_requests_are_not_scored_and_are_retried_on_resume(build_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"
    with ChatServer(responder=solve) as server:
        # Each task's request fails twice (max-retries 1): a 500 for one, a hang past the timeout for the other.
        server.push(Fault.server_error(500), Fault.server_error(503), Fault.hang(5), Fault.hang(5))
        args = ["run", "--model", "openai/fake-coder", "--base-url", server.base_url, "--tasks", ",".join(TASKS),
                "--store", str(store), "--concurrency", "1", *FAST[:-2], "--request-timeout", "1"]
        first = mkb(*args, cache=build_cache)
        assert first.returncode == 1, first.stderr
        assert "2 requests got no answer" in first.stderr and "run the same command again" in first.stderr
        assert "Traceback" not in first.stderr
        assert rows(store, "verdicts") == []
        with sqlite3.connect(store) as db:
            statuses = db.execute("SELECT status, error FROM responses ORDER BY task").fetchall()
        assert [s for s, _ in statuses] == ["failed", "failed"] and all(e for _, e in statuses)
        second = mkb(*args, cache=build_cache)
        assert second.returncode == 0, second.stderr
        assert rows(store, "verdicts") == [(t, 0, 1) for t in sorted(TASKS)]


def test_feedback_turns_are_stored_and_reported_per_turn(build_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"

    def wrong_then_right(body: dict[str, Any]) -> str:
        if len(body["messages"]) == 2:  # the first turn: a module with the wrong activation
            return "```python\nimport torch\nclass ModelNew(torch.nn.Module):\n    def forward(self, x):\n" \
                   "        return torch.sigmoid(x)\n```"
        return solve({"messages": body["messages"][:2]})

    with ChatServer(responder=wrong_then_right) as server:
        result = mkb("run", "--model", "openai/fake-coder", "--base-url", server.base_url, "--tasks", "relu",
                     "--turns", "3", "--store", str(store), *FAST, cache=build_cache)
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == 2
        feedback = server.requests[1].body["messages"]
        assert [m["role"] for m in feedback] == ["system", "user", "assistant", "user"]
        assert "torch.sigmoid" in feedback[2]["content"] and "mismatch" in feedback[3]["content"].lower()
    assert rows(store, "verdicts") == [("relu", 0, 1), ("relu", 0, 2)]
    report = mkb("report", "--store", str(store), "--json", str(tmp_path / "r.json"), cache=build_cache)
    assert report.returncode == 0, report.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert "turn" in json.dumps(data)


def test_no_trace_of_the_api_key_in_any_file_the_run_wrote(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    store = tmp_path / "results.sqlite"
    dump = cache / "child-env.json"  # the build cache is the one place outside its own folder an answer may write

    def answer(body: dict[str, Any]) -> str:
        return ENV_DUMPING_RELU if task_in_prompt(body) == "relu" else solve(body)

    with ChatServer(responder=answer) as server:
        server.push(Fault.unauthorized())  # the provider echoes a masked key in its error
        env = {"OPENAI_API_KEY": KEY, "MKB_TEST_DUMP": str(dump)}
        args = ["run", "--model", "openai/fake-coder", "--base-url", server.base_url, "--tasks", "relu",
                "--store", str(store), "--concurrency", "1", *FAST]
        first = mkb(*args, cache=cache, env=env)
        assert first.returncode == 1 and "401" in first.stderr
        second = mkb(*args, cache=cache, env=env)
        assert second.returncode == 0, second.stderr
        assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"  # the key was really used
        mkb("report", "--store", str(store), "--csv", str(tmp_path / "r.csv"), "--json", str(tmp_path / "r.json"),
            cache=cache, env=env)
    assert dump.exists() and "MKB_TEST_DUMP" in json.loads(dump.read_text())
    fragments = [KEY, KEY[:12], KEY[-10:], KEY[3:15]]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 4
    for path in written:
        data = path.read_bytes()
        for fragment in fragments:
            assert fragment.encode() not in data, f"{fragment!r} found in {path}"
    for output in (first.stdout + first.stderr, second.stdout + second.stderr):
        assert all(fragment not in output for fragment in fragments)


def test_replay_of_a_published_layout(build_cache: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "output" / "cpp" / "add_shot" / "0.0-1.0" / "old-model"
    for run in (0, 1):
        (model_dir / f"run{run}").mkdir(parents=True)
        (model_dir / f"run{run}" / "relu.txt").write_text(bundled_solution("relu", "cpp") or "")
    (model_dir / "run1" / "add_bias_broadcast.txt").write_text("I cannot do this.")
    store = tmp_path / "results.sqlite"
    result = mkb("run", "--model", f"replay:{model_dir}", "--tasks", ",".join(TASKS), "--store", str(store),
                 "--no-timing", "--trials", "2", cache=build_cache)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(store) as db:
        verdicts = db.execute("SELECT task, sample, passed, failed_phase FROM verdicts "
                              "ORDER BY task, sample").fetchall()
    assert verdicts == [("add_bias_broadcast", 1, 0, "extract"), ("relu", 0, 1, None), ("relu", 1, 1, None)]


def test_killed_model_run_resumes_with_every_pair_once(build_cache: Path, tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"
    with ChatServer(responder=solve) as server:
        args = [sys.executable, "-m", "multikernelbench.cli", "run", "--model", "openai/fake-coder", "--base-url",
                server.base_url, "--tasks", ",".join(TASKS), "--samples", "3", "--store", str(store), "--jobs", "1",
                *FAST]
        env = {**os.environ, "MKB_CACHE_DIR": str(build_cache)}
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                                preexec_fn=default_sigint)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and (not store.exists() or len(_safe_rows(store)) < 2):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        before = _safe_rows(store)
        assert 2 <= len(before) < 6
        requests_before = len(server.requests)
        finished = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, check=False)
        assert finished.returncode == 0, finished.stderr
        expected = [(t, s, 1) for t in sorted(TASKS) for s in range(3)]
        assert rows(store, "verdicts") == expected and rows(store, "responses") == expected
        # Answers stored before the kill were not asked for again.
        assert len(server.requests) - requests_before <= 6 - len(before)


def _safe_rows(store: Path) -> list[tuple]:
    try:
        return rows(store, "verdicts")
    except sqlite3.OperationalError:
        return []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "gpt-x"], "openai/<model>"),
        (["--model", "openai/m", "--strategy", "many_shot"], "unknown prompt strategy"),
        (["--model", "openai/m", "--base-url", "https://api.example.invalid/v1"], "OPENAI_API_KEY"),
        (["--model", "solutions", "--strategy", "zero_shot"], "--strategy applies to models"),
        (["--model", "replay:/no/such/folder"], "does not exist"),
    ],
)
def test_bad_model_arguments_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = mkb("run", *args, "--store", str(tmp_path / "s.sqlite"), cache=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr


def test_ctrl_c_while_a_request_hangs_exits_at_once(tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"
    with ChatServer(responder=solve) as server:
        server.push(Fault.hang(120))
        env = {**os.environ, "MKB_CACHE_DIR": str(tmp_path / "cache")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "multikernelbench.cli", "run", "--model", "openai/fake-coder", "--base-url",
             server.base_url, "--tasks", "relu", "--store", str(store), "--strategy", "zero_shot",
             "--request-timeout", "300"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_sigint,
        )
        deadline = time.monotonic() + 60
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests, "the run never sent its request"
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130 and "run the same command again to resume" in stderr
        assert time.monotonic() - started < 10


def test_unreachable_server_stops_the_run_within_seconds_with_one_line(tmp_path: Path) -> None:
    url = f"{closed_port_url()}/v1"
    store = tmp_path / "results.sqlite"
    started = time.monotonic()
    # Default retries (5) and concurrency (8): the quick stop must not depend on turning them down.
    result = mkb("run", "--model", "openai/fake-coder", "--base-url", url, "--tasks", "relu,softmax,tanh",
                 "--store", str(store), "--strategy", "zero_shot", cache=tmp_path / "cache", timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    expected = (f"error: cannot reach the model server at {url} (connection refused); "
                "check --base-url and that the server is running")
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == expected, result.stderr
    assert [line for line in lines if url in line or "error" in line] == [expected], result.stderr
    assert "Traceback" not in result.stderr and "no answer" not in result.stderr
    assert elapsed < 20, f"took {elapsed:.1f} s"
    # Nothing recorded: the same command asks for all three once the server is up.
    assert rows(store, "verdicts") == [] and rows(store, "responses") == []


def test_a_server_error_is_still_retried_and_then_answered(tmp_path: Path) -> None:
    store = tmp_path / "results.sqlite"
    # Plain PyTorch: evaluated without a C++ build (its verdict does not matter here, only that there is one).
    answer = "```python\nimport torch\nclass ModelNew(torch.nn.Module):\n    def forward(self, x):\n" \
             "        return torch.relu(x)\n```"
    with ChatServer(responder=lambda body: answer) as server:
        server.push(Fault.server_error(503))
        result = mkb("run", "--model", "openai/fake-coder", "--base-url", server.base_url, "--tasks", "relu",
                     "--store", str(store), *FAST, cache=tmp_path / "cache")
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == 2 and "no answer" not in result.stderr
    assert rows(store, "responses") == [("relu", 0, 1)] and rows(store, "verdicts") == [("relu", 0, 1)]
    with sqlite3.connect(store) as db:
        attempts = json.loads(db.execute("SELECT completion_json FROM responses").fetchone()[0])["attempts"]
    assert attempts == 2
