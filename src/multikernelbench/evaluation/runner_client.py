"""The judge's handle on its runner: starting it, sending commands, and reading replies it does not trust.

The runner (:mod:`multikernelbench.evaluation.runner`) gets one end of a socket
pair and no other descriptor of the judge's (not the evaluator's report pipe);
its standard output and error go to the worker's log. A reply that is not a
message, or a runner that dies mid-command, raises :class:`RunnerGone` with
what happened, which the judge turns into a verdict on the answer.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from multikernelbench.evaluation.containment import ContainmentPlan
from multikernelbench.evaluation.protocol import signal_name
from multikernelbench.evaluation.runner_channel import Channel, ChannelError


class RunnerGone(Exception):
    """The runner died, closed its socket or sent something that is not a reply."""


class RunnerClient:
    """One runner process, used for one answer."""

    def __init__(self, plan: ContainmentPlan, work_dir: Path, python: str | None = None) -> None:
        judge_end, runner_end = socket.socketpair()
        self.tmp_dir = work_dir / "runner"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        plan_json = json.dumps({**asdict(plan), "private_tmp": str(self.tmp_dir)})
        self.proc = subprocess.Popen(
            [python or sys.executable, "-m", "multikernelbench.evaluation.runner", str(runner_end.fileno()), plan_json],
            pass_fds=(runner_end.fileno(),),
            stdin=subprocess.DEVNULL,  # the judge's stdin carries the evaluator's go for timing: not the answer's
            stdout=sys.stdout.fileno(),
            stderr=sys.stderr.fileno(),
            cwd=self.tmp_dir,
            # Its home is its private folder too: tools that write under ~ write where nothing stays.
            env={**os.environ, "TMPDIR": str(self.tmp_dir), "HOME": str(self.tmp_dir)},
        )
        runner_end.close()
        self.channel = Channel(judge_end)
        self.last_wall_s = 0.0

    def ask(self, command: dict[str, Any], payload: Any = None, map_location: Any = None,
            max_reply_bytes: int = 2**40) -> tuple[dict[str, Any], Any]:
        """Send a command and wait for its reply; ``last_wall_s`` is the round trip on the judge's clock."""
        start = time.perf_counter()
        try:
            self.channel.send(command, payload)
            self.channel.max_payload = max_reply_bytes
            header, body = self.channel.receive(map_location)
        except (ChannelError, OSError) as exc:
            raise RunnerGone(self._death(str(exc))) from None
        self.last_wall_s = time.perf_counter() - start
        if not isinstance(header.get("ok"), bool):
            raise RunnerGone("the runner sent a reply without an ok field (something else wrote to its socket)")
        return header, body

    def stop(self) -> None:
        """End the runner and whatever it started (its process group; its PID namespace dies with it)."""
        try:
            self.channel.send({"command": "exit"})
        except (ChannelError, OSError):
            pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        for sig in (signal.SIGKILL,):
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.channel.close()

    def _death(self, what: str) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"the runner stopped answering ({what})"
        if code < 0:
            name = signal_name(-code)
            return f"the answer's process was killed by {name} (a crash in the candidate's code)"
        return f"the answer's process exited with code {code} in the middle of a call, without replying"
