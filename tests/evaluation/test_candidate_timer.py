"""The judge's checks on the runner's timing claims: fresh values in the same memory, and its own clock."""

from __future__ import annotations

from typing import Any

import torch

from multikernelbench.backends.devices import HostCPU
from multikernelbench.evaluation.candidate_timer import CONFIRMATION_PAIRS, VERIFIED_TRIALS, CandidateTimer
from multikernelbench.evaluation.correctness import compare_outputs
from multikernelbench.evaluation.protocol import TimingSpec

PLAN = TimingSpec(warmup=1, min_trials=10, max_trials=10, budget_s=0.0, input_sets=2)


class FakeRunner:
    """Answers trial commands like a runner; ``real_ms`` is what the judge's clock sees per call.

    A call on values its set's memory did not hold before takes ``fresh_ms`` (the first ``slow_fresh``
    such calls only, when given); a call that received a payload takes ``payload_ms`` more.
    """

    def __init__(self, claim_ms: float, real_ms: float, caches: bool = False, fresh_ms: float | None = None,
                 payload_ms: float = 0.0, slow_fresh: int | None = None) -> None:
        self.claim_ms, self.real_ms, self.caches, self.payload_ms = claim_ms, real_ms, caches, payload_ms
        self.fresh_ms = claim_ms if fresh_ms is None else fresh_ms
        self.slow_fresh = slow_fresh
        self.last_wall_s = 0.0
        self.first: Any = None
        self.contents: dict[int, torch.Tensor] = {}
        self.new_value_calls = 0
        self.payload_calls = 0

    def ask(self, command: dict[str, Any], payload: Any = None, *rest: Any) -> tuple[dict[str, Any], Any]:
        if command["command"] == "sets":
            self.contents = {index: inputs[0].clone() for index, inputs in enumerate(payload)}
            return {"ok": True, "clock": "host_clock"}, None
        # The judge's clock also sees the untimed wake-up call the host makes before each trial, empty or not.
        overhead_ms = 0.2 + self.real_ms
        if command.get("empty"):
            self.last_wall_s = overhead_ms / 1000
            return {"ok": True, "ms": 0.0}, None
        self.last_wall_s = (overhead_ms + self.real_ms) / 1000
        ms = self.claim_ms
        if payload is not None:
            self.payload_calls += 1
            held = self.contents[command["set"]]
            if not torch.equal(held, payload[0]):
                self.new_value_calls += 1
                if self.slow_fresh is None or self.new_value_calls <= self.slow_fresh:
                    ms = self.fresh_ms
            self.contents[command["set"]] = payload[0].clone()
            ms += self.payload_ms
        if not command.get("return_output"):
            return {"ok": True, "ms": ms}, None
        result = torch.relu(payload[0])
        if self.caches:
            self.first = result if self.first is None else self.first
            result = self.first
        return {"ok": True, "ms": ms}, {"output": result}


def _fresh() -> tuple[list[Any], Any]:
    x = torch.randn(64)
    return [x], torch.relu(x)


def timer(runner: FakeRunner) -> CandidateTimer:
    sets = [[torch.randn(64)], [torch.randn(64)]]
    return CandidateTimer(runner, HostCPU(), sets, PLAN, _fresh, lambda o, e: compare_outputs(o, e, "strict"),
                          "cpu", 2**20)


def run(t: CandidateTimer) -> list[float]:
    t.prepare()
    return [t.trial(i % 2, i) for i in range(PLAN.min_trials)]


def test_an_honest_runner_is_not_flagged() -> None:
    t = timer(FakeRunner(claim_ms=1.0, real_ms=1.0))
    assert run(t) == [1.0] * PLAN.min_trials
    assert t.flags == [] and t.claim_flag() is None and t.reuse_flag() is None
    assert len(t.claims_ms) == PLAN.min_trials - VERIFIED_TRIALS  # verified trials are not clock evidence


def test_claims_far_below_the_judges_clock_are_flagged() -> None:
    t = timer(FakeRunner(claim_ms=0.01, real_ms=3.0))
    run(t)
    flag = t.claim_flag()
    assert flag is not None and flag.check == "timing_claim" and "judge's clock" in flag.why


def test_a_round_trip_that_waited_for_a_core_now_and_then_is_not_hidden_work() -> None:
    runner = FakeRunner(claim_ms=1.0, real_ms=1.0)
    t = timer(runner)
    t.prepare()
    for i in range(PLAN.min_trials):
        runner.real_ms = 5.0 if i % 2 else 1.0  # every other round trip was delayed by 4 ms of scheduling
        t.trial(i % 2, i)
    assert t.claim_flag() is None


def test_noise_below_the_floor_is_tolerated() -> None:
    # On the host, where the two processes contend for cores, up to a millisecond and twice the claim.
    t = timer(FakeRunner(claim_ms=0.2, real_ms=0.9))
    run(t)
    assert t.claim_flag() is None


def test_a_cached_output_on_fresh_values_is_flagged() -> None:
    t = timer(FakeRunner(claim_ms=1.0, real_ms=1.0, caches=True))
    run(t)
    assert {f.check for f in t.flags} == {"cached_output"}
    assert "same memory" in t.flags[0].why


def test_an_answer_that_computes_only_on_new_values_is_caught_by_its_times() -> None:
    # Right results on new values (it notices them), a look-up on values it has seen: 0.01 ms against 1 ms.
    runner = FakeRunner(claim_ms=0.01, real_ms=0.01, fresh_ms=1.0)
    t = timer(runner)
    run(t)
    assert t.flags == []
    flag = t.reuse_flag()
    assert flag is not None and flag.check == "cached_output" and "reused across calls" in flag.why
    assert f"in each of {VERIFIED_TRIALS + CONFIRMATION_PAIRS} pairs" in flag.why
    assert runner.new_value_calls == VERIFIED_TRIALS + CONFIRMATION_PAIRS


def test_a_slower_path_for_every_call_that_receives_values_is_not_reuse() -> None:
    # Seen in CI on a loaded 2-core host: calls that had just received a payload took 0.5 ms more than the
    # 0.04 ms of the others. The controls receive one too, so the fresh calls are no slower than theirs.
    runner = FakeRunner(claim_ms=0.04, real_ms=0.04, payload_ms=0.5)
    t = timer(runner)
    run(t)
    assert t.pairs_ms and all(control >= 0.5 for control, _ in t.pairs_ms)
    assert t.reuse_flag() is None
    assert runner.new_value_calls == VERIFIED_TRIALS  # no suspicion, so no confirmation was timed


def test_fresh_calls_slow_by_chance_are_not_confirmed() -> None:
    runner = FakeRunner(claim_ms=0.04, real_ms=0.04, fresh_ms=1.0, slow_fresh=VERIFIED_TRIALS)
    t = timer(runner)
    run(t)
    assert t.reuse_flag() is None
    assert runner.new_value_calls == VERIFIED_TRIALS + CONFIRMATION_PAIRS  # suspected, then cleared


def test_without_controls_fresh_values_are_still_checked_but_reuse_is_not_timed() -> None:
    # Interpreted kernels: a call takes seconds, so no control calls; stale outputs are still caught.
    runner = FakeRunner(claim_ms=1.0, real_ms=1.0, caches=True)
    t = CandidateTimer(runner, HostCPU(), [[torch.randn(64)], [torch.randn(64)]], PLAN, _fresh,
                       lambda o, e: compare_outputs(o, e, "strict"), "cpu", 2**20, controls=False)
    run(t)
    assert {f.check for f in t.flags} == {"cached_output"}
    assert runner.payload_calls == VERIFIED_TRIALS  # the fresh values only
    assert t.reuse_flag() is None


def test_a_little_faster_on_seen_inputs_is_not_reuse() -> None:
    # On the host, where a call can wait for a core: up to five times slower than its control is tolerated.
    t = timer(FakeRunner(claim_ms=0.2, real_ms=0.2, fresh_ms=0.9))
    run(t)
    assert t.reuse_flag() is None
