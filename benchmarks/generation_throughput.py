"""Measure the generation side: the client layer's overhead per request, and the answers per second that
generation plus evaluation sustain against a local chat server with the bundled CPU backend.

Usage: python benchmarks/generation_throughput.py [--requests 200] [--samples 2] [--concurrency 8] [--jobs N]

The local server (tests/support/chat_server.py) answers each zero-shot prompt with the bundled solution of the
task it asks for, so every answer is a real candidate that builds, passes and is timed. Figures are wall-clock
on this machine. "Client overhead" is the client's time per request minus a bare HTTP request's time for the
same answer from the same server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.support

from multikernelbench.backends.base import cpu_count
from multikernelbench.evaluation.evaluator import EvalConfig, Evaluator
from multikernelbench.executors.local import execute, pending_work
from multikernelbench.generation.conversation import Conversation, Limits
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from multikernelbench.generation.llm.anthropic_client import AnthropicChatClient
from multikernelbench.generation.llm.base import Message, SamplingParams
from multikernelbench.generation.llm.openai_client import OpenAIChatClient
from multikernelbench.generation.llm.retry import RetryPolicy
from multikernelbench.generation.prompts.strategies import (
    build_messages,
    strip_profiles,
)
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.generation.sources import ModelSource
from multikernelbench.store import RunInfo, Store
from multikernelbench.tasks.loader import select_tasks
from tests.support.chat_server import ChatServer

ANSWER = bundled_solution("relu", "cpp") or ""


def bare_request_ms(server: ChatServer, n: int) -> float:
    """Median time of a plain non-streaming HTTP request with no SDK: the floor the client adds to."""
    parts = urlsplit(server.base_url)
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False})
    times = []
    for _ in range(n):
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        start = time.perf_counter()
        connection.request("POST", parts.path + "/chat/completions", body, {"Content-Type": "application/json"})
        json.loads(connection.getresponse().read())
        times.append(time.perf_counter() - start)
        connection.close()
    return statistics.median(times) * 1000


def client_ms(client: Any, n: int) -> float:
    messages = [Message("user", "hi")]
    params = SamplingParams()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        completion = client.complete(messages, params)
        times.append(time.perf_counter() - start)
        assert completion.text == ANSWER
    return statistics.median(times) * 1000


def overhead_rows(n: int) -> list[tuple[str, str]]:
    policy = RetryPolicy(max_retries=0, request_timeout_s=30)
    rows = []
    with ChatServer(responder=lambda body: ANSWER) as server:
        floor = bare_request_ms(server, n)
        rows.append(("bare HTTP request, whole answer (floor)", f"{floor:.2f} ms"))
        for name, client in [
            ("openai client, whole answer", OpenAIChatClient("m", server.base_url, "sk-x", policy, stream=False)),
            ("openai client, streamed", OpenAIChatClient("m", server.base_url, "sk-x", policy, stream=True)),
            ("anthropic client, whole answer", AnthropicChatClient("m", server.url, "sk-x", policy, stream=False)),
            ("anthropic client, streamed", AnthropicChatClient("m", server.url, "sk-x", policy, stream=True)),
        ]:
            client_ms(client, 3)  # warm up connection pools and lazy imports
            ms = client_ms(client, n)
            rows.append((name, f"{ms:.2f} ms (+{ms - floor:.2f} ms over the floor)"))
    rows.append(("answer size", f"{len(ANSWER)} characters, {len(ANSWER.split())} stream pieces"))
    return rows


def throughput_rows(samples: int, concurrency: int, jobs: int, timing: bool) -> list[tuple[str, str]]:
    tasks = select_tasks(sorted(set(CATEGORY_EXEMPLARS.values())))
    sources = {t.name: strip_profiles(t.source).strip() for t in tasks}

    def solve(body: dict[str, Any]) -> str:
        prompt = body["messages"][-1]["content"]
        return next(bundled_solution(name, "cpp") or "" for name, source in sources.items() if source in prompt)

    rows = []
    cache = Path(os.environ.get("MKB_CACHE_DIR") or Path(tempfile.gettempdir()) / "mkb-bench-cache")
    config = EvalConfig(cache_dir=cache, timing=timing, compile_baseline=False)
    with ChatServer(responder=solve) as server, tempfile.TemporaryDirectory() as work:
        client = OpenAIChatClient("bench", server.base_url, "sk-x", RetryPolicy(request_timeout_s=60))
        source = ModelSource(client, SamplingParams(), label="openai/bench")
        for label in ("first pass (builds what the cache lacks)", "second pass (warm build cache)"):
            store = Store(Path(work) / f"{len(rows)}.sqlite")
            run = store.open_run(RunInfo("bench", "openai/bench", "cpp", "zero_shot", "small", {}))
            conversation = Conversation(run, source, Evaluator("cpp", config), store,
                                        lambda task: build_messages(task, "cpp", "zero_shot"),
                                        Limits.of(concurrency, jobs))
            items = pending_work(store, run, tasks, samples)
            start = time.monotonic()
            outcomes = execute(items, conversation, workers=concurrency + jobs)
            wall = time.monotonic() - start
            passed = sum(o.records[-1].passed for o in outcomes if o.records)
            rows.append((f"{label}: {len(items)} answers, {passed} passed",
                         f"{wall:.1f} s = {len(items) / wall:.2f} answers/s"))
            store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per client for the overhead figures")
    parser.add_argument("--samples", type=int, default=2, help="answers per exemplar task for the throughput")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--jobs", type=int, default=cpu_count(), help="evaluations in flight")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {cpu_count()} CPUs, Python "
          f"{platform.python_version()}", flush=True)
    for name, value in overhead_rows(args.requests):
        print(f"{name:<58}  {value}", flush=True)
    for timing in (False, True):
        suffix = "check and time" if timing else "check only"
        for name, value in throughput_rows(args.samples, args.concurrency, args.jobs, timing):
            print(f"{name + ' [' + suffix + ']':<58}  {value}", flush=True)


if __name__ == "__main__":
    main()
