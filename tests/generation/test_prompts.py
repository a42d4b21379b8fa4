"""Prompt strategies: what each message holds, which exemplar a task sees, and the failure paths."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import jinja2
import pytest

from multikernelbench.backends import registry
from multikernelbench.backends.cpp import CppBackend
from multikernelbench.backends.registry import get_backend
from multikernelbench.errors import UserError
from multikernelbench.evaluation.extraction import extract_candidate
from multikernelbench.generation.exemplars import ADD_EXEMPLAR, CATEGORY_EXEMPLARS
from multikernelbench.generation.prompts import (
    TEMPLATES_DIR,
    render_template,
    strategies,
)
from multikernelbench.generation.prompts.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    ExemplarChoice,
    build_messages,
    category_examples,
    check_strategy,
    choose_exemplar,
    exemplar_name,
    strip_profiles,
)
from multikernelbench.generation.solutions import bundled_solution
from multikernelbench.tasks.loader import load_task, load_task_file
from multikernelbench.tasks.task import Task

REPO = Path(__file__).resolve().parents[2]
ONE_SHOT = ("add_shot", "selected_shot")


def solution_code(name: str) -> str:
    code = extract_candidate(bundled_solution(name, "cpp") or "").source
    assert code is not None
    return code


def user_message(task: Task, strategy: str) -> str:
    messages = build_messages(task, "cpp", strategy)
    assert [m.role for m in messages] == ["system", "user"]
    return messages[1].content


def test_strategy_names_and_default() -> None:
    assert STRATEGIES == ("zero_shot", "add_shot", "selected_shot")
    assert DEFAULT_STRATEGY == "add_shot"
    assert check_strategy("selected_shot") == "selected_shot"
    with pytest.raises(UserError, match="unknown prompt strategy 'few_shot'.*zero_shot, add_shot, selected_shot"):
        check_strategy("few_shot")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_user_message_holds_the_task_without_profiles(strategy: str) -> None:
    task = load_task("gemm_relu_divide")
    user = user_message(task, strategy)
    assert strip_profiles(task.source) in user
    assert "PROFILES" not in user and "Size profiles" not in user
    # The task comes last: after any example, under its own heading.
    assert user.index("## Your task") < user.index("class Model(nn.Module)", user.index("## Your task"))


def test_zero_shot_shows_no_example() -> None:
    user = user_message(load_task("gemm_relu_divide"), "zero_shot")
    assert "## Example" not in user and "ModelNew(nn.Module)" not in user
    assert user.count("```python\n") == 1


@pytest.mark.parametrize(
    ("task_name", "strategy", "expected"),
    [
        ("gemm_relu_divide", "add_shot", ADD_EXEMPLAR),
        ("layer_norm", "selected_shot", CATEGORY_EXEMPLARS["normalization"]),
        ("softmax", "selected_shot", "relu"),
        # An exemplar is shown another of its category (the first by name with a bundled solution)...
        ("relu", "selected_shot", "elu"),
        ("sum_reduction_over_a_dimension", "selected_shot", "max_reduction_over_a_dimension"),
        # ... and only where it is its category's one bundled solution, the add exemplar; never its own.
        ("relu", "add_shot", ADD_EXEMPLAR),
        (ADD_EXEMPLAR, "add_shot", "relu"),
        (ADD_EXEMPLAR, "selected_shot", "relu"),
        ("gemm_relu_divide", "selected_shot", ADD_EXEMPLAR),
    ],
)
def test_one_shot_shows_the_right_exemplar(task_name: str, strategy: str, expected: str) -> None:
    task = load_task(task_name)
    assert exemplar_name(task, strategy, "cpp") == expected
    user = user_message(task, strategy)
    example, _, own = user.partition("## Your task")
    assert strip_profiles(load_task(expected).source) in example
    assert solution_code(expected) in example
    assert strip_profiles(task.source) in own


@pytest.mark.parametrize("strategy", ONE_SHOT)
@pytest.mark.parametrize("task_name", sorted({"relu", ADD_EXEMPLAR, *CATEGORY_EXEMPLARS.values()}))
def test_no_task_is_shown_its_own_solution(task_name: str, strategy: str) -> None:
    task = load_task(task_name)
    assert exemplar_name(task, strategy, "cpp") not in (None, task_name)
    user = user_message(task, strategy)
    assert solution_code(task_name) not in user
    assert f"mkb_solution_{task_name}\"" not in user
    assert "## Example" in user


def test_exemplar_name_of_zero_shot_is_none_and_bad_strategy_errors() -> None:
    assert exemplar_name(load_task("relu"), "zero_shot", "cpp") is None
    with pytest.raises(UserError, match="unknown prompt strategy"):
        exemplar_name(load_task("relu"), "two_shot", "cpp")


def test_every_bundled_task_renders_under_every_strategy_without_torch() -> None:
    # A fresh interpreter: building prompts must not import torch (the parent process never does).
    script = (
        "import sys\n"
        "from multikernelbench.generation.prompts.strategies import STRATEGIES, build_messages, strip_profiles\n"
        "from multikernelbench.tasks.loader import bundled_tasks\n"
        "tasks = bundled_tasks()\n"
        "assert len(tasks) == 300, len(tasks)\n"
        "for task in tasks.values():\n"
        "    for strategy in STRATEGIES:\n"
        "        system, user = build_messages(task, 'cpp', strategy)\n"
        "        assert strip_profiles(task.source) in user.content and 'PROFILES' not in user.content, task.name\n"
        "        assert 'ModelNew' in system.content and user.content.count('```python\\n') == "
        "(1 if strategy == 'zero_shot' else 3)\n"
        "assert 'torch' not in sys.modules, 'building prompts imported torch'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_system_message_states_the_rules() -> None:
    system = build_messages(load_task("relu"), "cpp", "zero_shot")[0].content
    for fact in ("ModelNew", "same constructor arguments", "load_inline", "cpp_sources", "functions=",
                 "-O3", "OpenMP", "float32", "no CUDA", "sizes that differ", "```python", "print",
                 "Do not include tests"):
        assert fact in system, fact
    # The system message does not depend on the task or strategy (it can be cached by providers).
    assert system == build_messages(load_task("conv_standard_2d_square_input_square_kernel"), "cpp",
                                    "selected_shot")[0].content


def test_messages_are_deterministic() -> None:
    task = load_task("softmax")
    assert build_messages(task, "cpp", "selected_shot") == build_messages(task, "cpp", "selected_shot")


# ---- stripping PROFILES ----


def test_strip_profiles_removes_only_the_assignment_and_its_comment() -> None:
    source = load_task("relu").source
    lines = source.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("PROFILES ="))
    assert lines[at - 1].startswith("# Size profiles")
    assert strip_profiles(source) == "".join(lines[: at - 1] + lines[at + 1:])


def test_strip_profiles_handles_multiline_and_keeps_unrelated_comments() -> None:
    source = (
        '"""Doc."""\n'
        "import torch\n"
        "\n"
        "# sizes of the full problem\n"
        "n = 4\n"
        "\n"
        "# profiles:\n"
        "# small is for CPUs\n"
        "PROFILES = {\n"
        '    "small": {"n": 2},\n'
        "}  # trailing\n"
        "x = 'PROFILES = {}'\n"
    )
    assert strip_profiles(source) == (
        '"""Doc."""\nimport torch\n\n# sizes of the full problem\nn = 4\n\nx = \'PROFILES = {}\'\n'
    )
    annotated = "n = 1\nPROFILES: dict = {'small': {'n': 2}}\ny = 2\n"
    assert strip_profiles(annotated) == "n = 1\ny = 2\n"


@pytest.mark.parametrize(
    "source",
    [
        "import torch\nn = 4\n\ndef get_inputs():\n    return []\n",  # no PROFILES at all
        "n = 4; PROFILES = {'small': {'n': 2}}\n",  # shares a line with another statement
        "def f():\n    PROFILES = {}\n    return PROFILES\n",  # not module level
        "this is not python (\n",
    ],
)
def test_strip_profiles_leaves_other_sources_unchanged(source: str) -> None:
    assert strip_profiles(source) == source


def test_foreign_task_file_keeps_its_source_and_gets_the_add_exemplar(tmp_path: Path) -> None:
    source = (
        "import torch\nimport torch.nn as nn\n\n\nclass Model(nn.Module):\n"
        "    def forward(self, x):\n        return x * 3\n\n\nn = 8\n\n\n"
        "def get_inputs():\n    return [torch.randn(n)]\n\n\ndef get_init_inputs():\n    return []"  # no newline
    )
    path = tmp_path / "triple.py"
    path.write_text(source)
    task = load_task_file(path)
    assert task.category == "custom"
    assert choose_exemplar(task, "selected_shot", "cpp") == ExemplarChoice(
        ADD_EXEMPLAR, "no custom task has a bundled cpp solution, so selected_shot shows add_bias_broadcast "
        "(broadcast) as its example")
    user = user_message(task, "selected_shot")
    assert f"```python\n{source}\n```" in user
    assert solution_code(ADD_EXEMPLAR) in user


@pytest.mark.parametrize(("backend", "expected"), [("cpp", "elu"), ("cuda", "sigmoid"), ("triton", "sigmoid")])
def test_selected_shot_of_an_exemplar_shows_another_task_of_its_category(backend: str, expected: str) -> None:
    relu = load_task("relu")
    assert choose_exemplar(relu, "selected_shot", backend) == ExemplarChoice(expected)  # no note: same category
    assert load_task(expected).category == relu.category
    # The first by name among the backend's bundled activation solutions: the same prompt on every call.
    assert category_examples("activation", backend)[0] == "relu"
    assert expected == min(category_examples("activation", backend)[1:])
    assert build_messages(relu, backend, "selected_shot") == build_messages(relu, backend, "selected_shot")


def test_selected_shot_falls_back_to_the_add_exemplar_with_a_note_only_without_another() -> None:
    # pallas bundles no activation solution but relu's.
    assert category_examples("activation", "pallas") == ("relu",)
    choice = choose_exemplar(load_task("relu"), "selected_shot", "pallas")
    note = ("relu is the only activation task with a bundled pallas solution, "
            "so selected_shot shows add_bias_broadcast (broadcast) as its example")
    assert choice == ExemplarChoice(ADD_EXEMPLAR, note)
    # Other strategies and tasks whose category exemplar is another task have nothing to say.
    assert choose_exemplar(load_task("softmax"), "selected_shot", "pallas").note is None
    assert choose_exemplar(load_task(ADD_EXEMPLAR), "add_shot", "cpp") == ExemplarChoice("relu")


def test_foreign_task_named_like_an_exemplar_is_not_shown_that_exemplar(tmp_path: Path) -> None:
    path = tmp_path / "relu.py"
    path.write_text(load_task("relu").source)
    task = load_task_file(path, category="activation")
    assert exemplar_name(task, "selected_shot", "cpp") == "elu"


# ---- failure paths ----


def test_unknown_strategy_or_backend_is_a_user_error() -> None:
    task = load_task("relu")
    with pytest.raises(UserError, match="unknown prompt strategy 'best'"):
        build_messages(task, "cpp", "best")
    with pytest.raises(UserError, match="unknown backend 'nope'; available backends: cpp"):
        build_messages(task, "nope", "zero_shot")


class NewHardware(CppBackend):
    """A plugin backend: one class plus its own folder of prompt material (set per test)."""

    name = "newhw"
    folder: Path = Path("/nonexistent")

    @classmethod
    def material_dir(cls) -> Path:
        return cls.folder


@pytest.fixture
def plugin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Registers ``newhw`` through the entry-point group, its material in an empty folder."""
    plugin = EntryPoint(name="newhw", value=f"{__name__}:NewHardware", group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [plugin])
    monkeypatch.setattr(NewHardware, "folder", tmp_path)
    strategies._known_backends.cache_clear()
    strategies._example.cache_clear()
    yield tmp_path
    strategies._known_backends.cache_clear()
    strategies._example.cache_clear()


def test_backend_without_a_prompt_template_is_a_user_error(plugin_folder: Path) -> None:
    with pytest.raises(UserError, match=r"backend 'newhw' has no prompt description: add .*/prompt\.md\.j2"):
        build_messages(load_task("relu"), "newhw", "zero_shot")


def test_backend_prompt_material_comes_from_its_own_folder(plugin_folder: Path) -> None:
    # A backend that has a description but no bundled answers yet: one-shot cannot show an example.
    (plugin_folder / "prompt.md.j2").write_text("Write kernels for the {{ backend }} accelerator, NEWHW-RULES.\n")
    with pytest.raises(UserError, match="no bundled solution of the exemplar task.*use --strategy zero_shot"):
        build_messages(load_task("softmax"), "newhw", "add_shot")
    system, user = build_messages(load_task("softmax"), "newhw", "zero_shot")
    assert "newhw accelerator, NEWHW-RULES" in system.content and "## Example" not in user.content
    # Its bundled answers are the one-shot examples, found through the backend.
    (plugin_folder / f"{ADD_EXEMPLAR}.txt").write_text(bundled_solution(ADD_EXEMPLAR, "cpp") or "")
    _, user = build_messages(load_task("softmax"), "newhw", "add_shot")
    assert solution_code(ADD_EXEMPLAR) in user.content


def test_strict_undefined_catches_a_missing_variable() -> None:
    with pytest.raises(jinja2.UndefinedError, match="task_source"):
        render_template("user.md.j2", backend="cpp", example_source=None, example_solution=None)
    with pytest.raises(jinja2.UndefinedError):
        render_template("system.md.j2", backend="cpp")


def test_templates_ship_in_the_wheel() -> None:
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    package_root = TEMPLATES_DIR.parents[2]
    shipped = {p for pattern in package_data["multikernelbench"] for p in package_root.glob(pattern)}
    templates = set(TEMPLATES_DIR.rglob("*.j2"))
    assert templates and templates <= shipped
    # Each backend's prompt template lives beside its bundled answers, and ships too.
    for backend in ("cpp", "cuda", "triton", "pallas"):
        template = get_backend(backend).material_dir() / "prompt.md.j2"
        assert template.is_file() and template in shipped, backend
