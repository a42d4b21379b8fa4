"""Replaying saved answers: flat folders, the published run<N> layout, turn files, missing answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from multikernelbench.errors import UserError
from multikernelbench.generation.replay import ReplaySource
from multikernelbench.generation.sources import AnswerRequest
from multikernelbench.tasks.loader import load_task

RELU, TANH = load_task("relu"), load_task("tanh")


def ask(source: ReplaySource, task, sample: int = 0, turn: int = 1) -> str | None:  # type: ignore[no-untyped-def]
    completion = source.answer(AnswerRequest(task, sample, turn, ()))
    return completion.text if completion else None


def test_flat_folder_is_one_sample(tmp_path: Path) -> None:
    (tmp_path / "relu.txt").write_text("relu answer")
    source = ReplaySource(tmp_path)
    assert source.samples == 1
    assert ask(source, RELU) == "relu answer"
    assert ask(source, TANH) is None and ask(source, RELU, sample=1) is None
    assert source.answerable([RELU, TANH]) == [RELU]


def test_published_layout_maps_run_folders_to_samples_in_numeric_order(tmp_path: Path) -> None:
    model_dir = tmp_path / "output" / "cuda" / "add_shot" / "0.0-1.0" / "deepseek-chat"
    for run in (0, 1, 10, 2):
        (model_dir / f"run{run}").mkdir(parents=True)
        (model_dir / f"run{run}" / "relu.txt").write_text(f"answer of run {run}")
    (model_dir / "run1" / "relu_turn2.txt").write_text("second turn")
    (model_dir / "notes").mkdir()
    source = ReplaySource(model_dir)
    assert source.samples == 4
    assert [ask(source, RELU, s) for s in range(4)] == [f"answer of run {r}" for r in (0, 1, 2, 10)]
    assert ask(source, RELU, 1, turn=2) == "second turn" and ask(source, RELU, 0, turn=2) is None
    assert source.label == "replay:deepseek-chat"


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_folder_without_answers_is_a_user_error(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "nothing"
    if make == "empty":
        folder.mkdir()
    with pytest.raises(UserError, match="replay"):
        ReplaySource(folder)
