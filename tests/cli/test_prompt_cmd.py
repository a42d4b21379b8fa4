"""``mkb prompt``: prints exactly the messages a model is sent, as text or JSON; bad input is a one-line error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from multikernelbench.cli import main
from multikernelbench.generation.llm.base import Message
from multikernelbench.generation.prompts.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    build_messages,
)
from multikernelbench.tasks.loader import load_task, load_task_file

HEADER = re.compile(r"^=== (system|user|assistant) ===\n", re.MULTILINE)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["prompt", *args])
    out, err = capsys.readouterr()
    return code, out, err


def parse_plain(text: str) -> list[Message]:
    """Inverse of the plain format: content runs from its header to the next one (less an added newline)."""
    heads = list(HEADER.finditer(text))
    assert heads and heads[0].start() == 0
    messages = []
    for head, following in zip(heads, [*heads[1:], None], strict=True):
        messages.append(Message(head.group(1), text[head.end(): following.start() if following else len(text)]))
    return messages


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_plain_output_is_exactly_the_messages(capsys: pytest.CaptureFixture[str], strategy: str) -> None:
    code, out, err = run(capsys, "--task", "softmax", "--strategy", strategy)
    assert code == 0 and err == ""
    expected = build_messages(load_task("softmax"), "cpp", strategy)
    assert out.startswith("=== system ===\n")
    # Every rendered message ends with a newline, so the output is headers and contents, nothing else.
    assert all(m.content.endswith("\n") for m in expected)
    assert parse_plain(out) == expected


def test_default_strategy_and_backend(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--task", "relu")
    assert parse_plain(out) == build_messages(load_task("relu"), "cpp", DEFAULT_STRATEGY)


def test_json_output_parses_to_the_messages(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--task", "gemm_relu_divide", "--strategy", "selected_shot", "--json")
    assert code == 0
    # gemm_relu_divide is the one bundled fuse solution: the note says which example is shown instead.
    assert err == ("note: gemm_relu_divide is the only fuse task with a bundled cpp solution, so selected_shot "
                   "shows add_bias_broadcast (broadcast) as its example\n")
    data = json.loads(out)
    expected = build_messages(load_task("gemm_relu_divide"), "cpp", "selected_shot")
    assert data == [{"role": m.role, "content": m.content} for m in expected]
    assert out.count("\n") == 1  # one JSON document on one line


def test_selected_shot_of_an_exemplar_shows_another_of_its_category(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--task", "relu", "--strategy", "selected_shot")
    assert code == 0 and err == ""  # nothing to say: the example is of the task's own category
    example = parse_plain(out)[1].content.partition("## Your task")[0]
    assert "mkb_solution_elu" in example and "mkb_solution_relu" not in example
    assert "mkb_solution_add_bias_broadcast" not in example


def test_selected_shot_says_so_when_it_must_show_another_category(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--task", "relu", "--strategy", "selected_shot", "--backend", "pallas")
    assert code == 0
    assert err == ("note: relu is the only activation task with a bundled pallas solution, so selected_shot shows "
                   "add_bias_broadcast (broadcast) as its example\n")
    assert parse_plain(out) == build_messages(load_task("relu"), "pallas", "selected_shot")


def test_task_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "my_relu.py"
    path.write_text(load_task("relu").source)
    code, out, _ = run(capsys, "--task-file", str(path), "--strategy", "zero_shot", "--json")
    assert code == 0
    assert json.loads(out)[1]["content"] == build_messages(load_task_file(path), "cpp", "zero_shot")[1].content


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "nope"], "unknown task 'nope'"),
        (["--task", "relu", "--strategy", "two_shot"], "unknown prompt strategy 'two_shot'"),
        (["--task", "relu", "--backend", "nope"], "unknown backend 'nope'"),
        ([], "exactly one of --task"),
        (["--task", "relu", "--task-file", "x.py"], "exactly one of --task"),
        (["--task-file", "/no/such/task.py"], "does not exist"),
        (["--task", "relu", "--bogus"], "No such option"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1
