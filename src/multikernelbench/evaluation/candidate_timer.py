"""Timing the candidate in its runner from the judge's loop, and checking what the runner claims.

The runner times each call with the device's clock (the only clock precise
enough), so its figures are claims. The judge checks them three ways:

- **fresh values**: on a few trials, chosen by the judge at random, the timed
  input set is overwritten in place with new values (same memory, so an answer
  that caches results by address or by call count returns stale outputs) and
  the output of that timed call is compared with the judge's own reference;
  an answer that notices the new values and computes only then is caught by
  its times instead. Each such trial is paired with a control just before it:
  the set's own values written again into the same memory, so the runner does
  the same work (a payload received and copied) but a cache sees nothing new.
  Fresh calls must not be much slower than their controls in every pair, and
  a suspicion is confirmed on more pairs before it becomes a flag: on a
  loaded host one call in a few can wait for a core;
- **the judge's clock**: every trial's round trip is also measured by the
  judge; after subtracting the round trip of an empty trial (socket, flush,
  clock, and on the host the untimed wake-up call), what remains must be
  about what the runner claims. Minima are
  compared, not medians: on a busy host a round trip now and then waits for
  a core, while work hidden from the runner's clock shows in every one;
- **physics**: see :mod:`multikernelbench.evaluation.integrity.physical_bound`.
"""

from __future__ import annotations

import random
import secrets
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from multikernelbench.evaluation.runner_client import RunnerClient
from multikernelbench.records import IntegrityFlag

#: How many timed trials are re-checked on fresh values.
VERIFIED_TRIALS = 3
#: More (control, fresh) pairs timed after the loop when the first ones suggest reuse.
CONFIRMATION_PAIRS = 5
_CALIBRATION_CALLS = 5
#: Unexplained time per call (judge's clock minus claim minus overhead) tolerated before a flag: a noise floor
#: in ms and a share of the claimed time. On the host the two processes contend for the same cores with
#: whatever else runs, and a round trip can wait milliseconds for one: there only gross lies are caught.
_HIDDEN_FLOOR_MS = 0.05
_HIDDEN_SHARE = 0.5
_HOST_HIDDEN_FLOOR_MS = 1.0
_HOST_HIDDEN_SHARE = 2.0
#: A control call may be faster than the fresh call beside it (warm TLBs, branch history), not this much;
#: on a host the judge's and the runner's thread pools share the cores, and a call can be slow by chance.
_REUSE_SPEEDUP = 3.0
_HOST_REUSE_SPEEDUP = 5.0


class CandidateFailed(Exception):
    """The candidate failed a timed call; carries the runner's reply."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(reply.get("error") or "the candidate failed while timed")
        self.reply = reply


class CandidateTimer:
    """The candidate's side of the interleaved timing loop, with the judge's checks."""

    def __init__(self, runner: RunnerClient, device: Any, input_sets: Sequence[Sequence[Any]], plan: Any,
                 fresh_inputs: Callable[[], tuple[list[Any], Any]], compare: Callable[[Any, Any], str | None],
                 map_location: Any, max_output_bytes: int, controls: bool = True) -> None:
        self.runner = runner
        # Controls serve only the reuse check; interpreted kernels (seconds a call, times never reported as
        # speeds) are not checked for it and would spend their time limit on them.
        self.controls = controls
        self.device = device
        self.input_sets = input_sets
        self.plan = plan
        self.fresh_inputs = fresh_inputs  # new values and the reference's output on them
        self.compare = compare
        self.map_location = map_location
        self.max_output_bytes = max_output_bytes
        self.clock = device.clock
        self.flags: list[IntegrityFlag] = []
        self.walls_ms: list[float] = []
        self.claims_ms: list[float] = []
        self.pairs_ms: list[tuple[float, float]] = []  # (control, fresh) claims of the verified trials
        self.overhead_walls_ms: list[float] = []
        self.fresh: dict[int, tuple[list[Any], Any]] = {}
        # What each set's memory in the runner holds, as far as the judge knows: the values a control rewrites.
        self.current: list[Sequence[Any]] = list(input_sets)
        pool = range(max(plan.min_trials, 1))
        self.verified = set(random.Random(secrets.randbits(64)).sample(pool, min(VERIFIED_TRIALS, len(pool))))

    def warm(self, set_index: int) -> None:
        """Warm-up runs in the runner, on its own copies of the sets (sent in :meth:`prepare`)."""

    def prepare(self) -> None:
        header, _ = self.runner.ask({"command": "sets", "warmup": self.plan.warmup,
                                     "cuda_graphs": self.plan.cuda_graphs}, list(self.input_sets))
        if not header["ok"]:
            raise CandidateFailed(header)
        if header.get("clock"):
            self.clock = header["clock"]
        # Made now, not just before their trials: the judge's own compute right before a trial would
        # slow it (its thread pool still spinning on the same cores) and pass for a cached answer.
        self.fresh = {index: self.fresh_inputs() for index in sorted(self.verified)}

    def trial(self, set_index: int, trial_index: int) -> float:
        if trial_index < _CALIBRATION_CALLS:
            # An empty trial first, at the same point of the interleaving as a real one (after the judge's
            # turn, with the runner's threads asleep): its round trip is what no call takes.
            reply, _ = self.runner.ask({"command": "trial", "set": set_index, "empty": True})
            if not reply["ok"]:
                raise CandidateFailed(reply)
            self.overhead_walls_ms.append(self.runner.last_wall_s * 1000 - _claim(reply))
        if trial_index in self.fresh:
            fresh, expected = self.fresh.pop(trial_index)
            control, claim = self._verified_pair(set_index, f"timed trial {trial_index + 1}", fresh, expected)
            self.pairs_ms.append((control, claim))
            return claim
        reply, _ = self._ask_trial(set_index, None, return_output=False)
        claim = _claim(reply)
        self.claims_ms.append(claim)
        self.walls_ms.append(self.runner.last_wall_s * 1000)
        return claim

    def _ask_trial(self, set_index: int, values: Sequence[Any] | None, return_output: bool) -> tuple[dict, Any]:
        reply, body = self.runner.ask({"command": "trial", "set": set_index, "return_output": return_output},
                                      None if values is None else list(values), self.map_location,
                                      self.max_output_bytes)
        if not reply["ok"]:
            raise CandidateFailed(reply)
        return reply, body

    def _verified_pair(self, set_index: int, where: str, fresh: list[Any], expected: Any) -> tuple[float, float]:
        """A control call (the set's own values rewritten) then a call on new values in the same memory:
        their claims, and the new values' output checked. Round trips that carry data both ways are no
        evidence for the judge's clock."""
        control = (_claim(self._ask_trial(set_index, self.current[set_index], return_output=False)[0])
                   if self.controls else float("nan"))
        reply, body = self._ask_trial(set_index, fresh, return_output=True)
        self.current[set_index] = fresh
        self._check_output(reply, body, expected, where)
        return control, _claim(reply)

    def claim_flag(self) -> IntegrityFlag | None:
        """A flag when the judge's clock saw much more time per call than the runner claimed."""
        if not self.claims_ms or not self.overhead_walls_ms:
            return None
        hidden = min(w - c for w, c in zip(self.walls_ms, self.claims_ms)) - min(self.overhead_walls_ms)
        claimed = statistics.median(self.claims_ms)
        host = self.device.is_host
        floor, share = (_HOST_HIDDEN_FLOOR_MS, _HOST_HIDDEN_SHARE) if host else (_HIDDEN_FLOOR_MS, _HIDDEN_SHARE)
        if hidden <= floor + share * claimed:
            return None
        return IntegrityFlag("timing_claim", "timing", f"the answer's calls took {claimed + hidden:.3g} ms by the "
                             f"judge's clock but were timed at {claimed:.3g} ms: work escapes the timer", "timing")

    def reuse_flag(self) -> IntegrityFlag | None:
        """A flag when calls on new values were much slower than their controls in every pair, and stayed
        so on :data:`CONFIRMATION_PAIRS` more pairs timed now (runner failures raise CandidateFailed)."""
        if not self.controls or not self.pairs_ms or not self._all_reused(self.pairs_ms):
            return None
        confirmations = [self.fresh_inputs() for _ in range(CONFIRMATION_PAIRS)]  # made before any is timed
        pairs = []
        for number, (fresh, expected) in enumerate(confirmations):
            pairs.append(self._verified_pair(number % len(self.input_sets), f"confirmation call {number + 1}",
                                             fresh, expected))
        if not self._all_reused(pairs):
            return None
        every = self.pairs_ms + pairs
        seen = statistics.median(control for control, _ in every)
        fresh_ms = statistics.median(fresh for _, fresh in every)
        return IntegrityFlag("cached_output", "timing", f"calls on inputs it had seen took {seen:.3g} ms, calls on "
                             f"new values in the same memory {fresh_ms:.3g} ms (in each of {len(every)} pairs): "
                             "results are reused across calls", "timing")

    def _all_reused(self, pairs: Sequence[tuple[float, float]]) -> bool:
        ratio = _HOST_REUSE_SPEEDUP if self.device.is_host else _REUSE_SPEEDUP
        return all(fresh > control * ratio and fresh - control > _HIDDEN_FLOOR_MS for control, fresh in pairs)

    def _check_output(self, reply: dict[str, Any], body: Any, expected: Any, where: str) -> None:
        if reply.get("output_types") or not isinstance(body, dict):
            why = f"a timed call returned {', '.join(reply.get('output_types') or ['nothing'])}, not plain tensors"
            self.flags.append(IntegrityFlag("output_not_plain", where, why, "timing"))
            return
        problem = self.compare(body.get("output"), expected)
        if problem:
            self.flags.append(IntegrityFlag(
                "cached_output", where,
                "a timed call on new values in the same memory returned a wrong result (outputs cached "
                f"across calls?): {problem}", "timing"))


def _claim(reply: dict[str, Any]) -> float:
    ms = reply.get("ms")
    if not isinstance(ms, (int, float)) or ms != ms or ms < 0:
        raise CandidateFailed({"ok": False, "error": f"the runner reported a time of {ms!r}", "failure": "crash"})
    return float(ms)
