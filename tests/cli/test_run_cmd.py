"""``mkb run``: which tasks a run takes (every answer of a replay folder), what it says about the rest."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from multikernelbench.cli.run_cmd import _choose_tasks
from multikernelbench.generation.exemplars import CATEGORY_EXEMPLARS
from tests.support.cli import mkb

NO_CODE = "I cannot do this."  # an extract failure: a verdict without a build or a worker
# Fails in the build phase without compiling anything: its module raises when it runs.
NAME_ERROR = ("```python\nimport torch\nrelu_module = load_inlin('x')\n\n\nclass ModelNew(torch.nn.Module):\n"
              "    def forward(self, x):\n        return x\n```\n")


def verdicts(store: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT task, failed_phase FROM verdicts ORDER BY task").fetchall()


def replay_folder(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "answers"
    folder.mkdir()
    for name in names:
        (folder / f"{name}.txt").write_text(NO_CODE)
    return folder


def test_without_a_selection_solutions_take_the_exemplars_and_models_every_task() -> None:
    assert sorted(t.name for t in _choose_tasks(None, None, every_task=False)) == sorted(CATEGORY_EXEMPLARS.values())
    assert len(_choose_tasks(None, None, every_task=True)) == 300
    assert [t.name for t in _choose_tasks(["tanh"], None, every_task=False)] == ["tanh"]


def test_a_replay_evaluates_every_answer_in_its_folder(build_cache: Path, tmp_path: Path) -> None:
    names = sorted({*CATEGORY_EXEMPLARS.values(), "tanh", "softsign"})  # two tasks that are no exemplar
    assert len(names) == 17
    folder = replay_folder(tmp_path, names)
    (folder / "relu.txt").write_text(NAME_ERROR)
    store = tmp_path / "results.sqlite"
    result = mkb("run", "--model", f"replay:{folder}", "--store", str(store), "--no-timing", cache=build_cache)
    assert result.returncode == 0, result.stderr
    assert verdicts(store) == [(name, "build" if name == "relu" else "extract") for name in names]
    assert "17 to go" in result.stderr and "no answer from" not in result.stderr
    # The progress line stays short; where the compiler's errors are is said once, at the end.
    assert "relu #0: fail (build)" in result.stderr
    assert "1 answer did not build; see the build log of one with 'mkb show RUN TASK --log', " \
           "e.g. mkb show replay:answers-cpp-small relu --log" in result.stderr


def test_selected_tasks_without_an_answer_are_counted_in_one_line(build_cache: Path, tmp_path: Path) -> None:
    folder = replay_folder(tmp_path, ["relu"])
    store = tmp_path / "results.sqlite"
    named = mkb("run", "--model", f"replay:{folder}", "--tasks", "relu,tanh,elu", "--store", str(store),
                "--no-timing", cache=build_cache)
    assert named.returncode == 0, named.stderr
    [line] = [line for line in named.stderr.splitlines() if "no answer from" in line]
    assert line == f"no answer from 'replay:{folder}' for 2 of 3 selected tasks (skipped): elu, tanh"
    category = mkb("run", "--model", f"replay:{folder}", "--categories", "activation", "--store", str(store),
                   "--no-timing", cache=build_cache)
    assert category.returncode == 0, category.stderr
    [line] = [line for line in category.stderr.splitlines() if "no answer from" in line]
    assert line == (f"no answer from 'replay:{folder}' for 14 of 15 selected tasks (skipped): elu, gelu, "
                    "hardsigmoid, hardtanh, leaky_relu, log_softmax, min_gpt_new_gelu, selu, ... (6 more)")
    assert verdicts(store) == [("relu", "extract")]


def test_a_replay_with_no_answer_for_any_selected_task_is_a_user_error(build_cache: Path, tmp_path: Path) -> None:
    folder = replay_folder(tmp_path, ["relu"])
    result = mkb("run", "--model", f"replay:{folder}", "--tasks", "tanh", "--store", str(tmp_path / "r.sqlite"),
                 cache=build_cache)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: no selected task has an answer from 'replay:{folder}'; "
                                     "run 'mkb tasks' to see the tasks")
