"""Replaying answers saved on disk (``--model replay:DIR``), so old generations evaluate as they are.

Accepted layouts, all with one ``<task>.txt`` per answer:

- ``DIR/<task>.txt``: one sample per task;
- ``DIR/run<N>/<task>.txt``: the published harness's per-model folder
  (``output/{language}/{strategy}/{temperature}-{top_p}/{model}/``); the run
  folders, in numeric order, are samples 0, 1, ...;
- either of the above with ``<task>_turn<T>.txt`` files for feedback turns 2, 3, ...

A task with no file for a sample or turn has no answer there: it is reported
as unanswered, never scored as a wrong answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from multikernelbench.errors import UserError
from multikernelbench.generation.llm.base import Completion
from multikernelbench.generation.sources import AnswerRequest
from multikernelbench.tasks.task import Task

PREFIX = "replay:"
_RUN_DIR = re.compile(r"^run(\d+)$")


class ReplaySource:
    """Answers read from a directory of saved responses."""

    uses_prompts = False

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).expanduser()
        if not self.directory.is_dir():
            raise UserError(f"replay directory {self.directory} does not exist; pass --model replay:<folder of .txt>")
        runs = sorted((int(m.group(1)), p) for p in self.directory.iterdir()
                      if p.is_dir() and (m := _RUN_DIR.match(p.name)))
        self.sample_dirs = [p for _, p in runs] or [self.directory]
        if not any(any(d.glob("*.txt")) for d in self.sample_dirs):
            raise UserError(f"no <task>.txt answers in {self.directory} or its run<N>/ folders; "
                            "point --model replay: at the folder holding them")
        self.label = f"{PREFIX}{self.directory.name}"

    @property
    def samples(self) -> int:
        return len(self.sample_dirs)

    def _path(self, task: str, sample: int, turn: int) -> Path | None:
        if sample >= len(self.sample_dirs):
            return None
        name = f"{task}.txt" if turn == 1 else f"{task}_turn{turn}.txt"
        path = self.sample_dirs[sample] / name
        return path if path.is_file() else None

    def answer(self, request: AnswerRequest) -> Completion | None:
        path = self._path(request.task.name, request.sample, request.turn)
        if path is None:
            return None
        try:
            return Completion(text=path.read_text(errors="replace"))
        except OSError as exc:
            raise UserError(f"cannot read replayed answer {path} ({exc.strerror})") from None

    def cache_key(self, request: AnswerRequest) -> None:
        return None

    def answerable(self, tasks: list[Task]) -> list[Task]:
        return [t for t in tasks if any(self._path(t.name, s, 1) for s in range(self.samples))]
