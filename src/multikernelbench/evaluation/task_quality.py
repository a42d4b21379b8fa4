"""Quality checks on a reference task: would a cheat or a bug in the task itself fool the evaluator?

Each check returns problems as one-line strings; an empty list is a healthy task.
Run ``python -m multikernelbench.evaluation.task_quality [TASK ...]`` to check bundled tasks
(against ``--manifest PATH`` when given). Imports torch.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from multikernelbench.evaluation.correctness import compare_outputs
from multikernelbench.tasks.loader import bundled_tasks, load_task
from multikernelbench.tasks.runtime import load_module, make_inputs, make_model, tensors_in
from multikernelbench.tasks.task import FULL, SMALL, Task

SMALL_SECONDS_LIMIT = 2.0
_CPU = torch.device("cpu")


@dataclass
class QualityReport:
    task: str
    problems: list[str] = field(default_factory=list)
    small_forward_s: float = 0.0
    mutates_inputs: bool = False


def full_input_signature(task: Task) -> list[dict[str, Any]]:
    """Shapes and dtypes of the full profile's inputs, computed on the meta device (nothing allocated)."""
    module = load_module(task, FULL)
    with torch.device("meta"), torch.random.fork_rng(devices=[]):
        inputs = module.get_inputs()
    return [
        {"shape": list(x.shape), "dtype": str(x.dtype).removeprefix("torch.")} if isinstance(x, torch.Tensor) else x
        for x in inputs
    ]


def check_task(task: Task, manifest_entry: dict[str, Any] | None = None) -> QualityReport:
    """All checks at the small profile, plus the shape-only check of the full profile."""
    report = QualityReport(task.name)
    problems = report.problems
    if manifest_entry is not None:
        problems += _check_manifest(task, manifest_entry)
    if SMALL not in task.profile_names:
        problems.append("no 'small' profile")
        return report
    module = load_module(task, SMALL)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = make_model(module.Model, module, 0, _CPU)
        inputs = make_inputs(module, 1, _CPU)
        originals = [_clone(x) for x in inputs]
        start = time.perf_counter()
        with torch.no_grad():
            out = model(*inputs)
        report.small_forward_s = time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)
    report.mutates_inputs = compare_outputs(inputs, originals, "strict", "inputs") is not None
    if report.small_forward_s > SMALL_SECONDS_LIMIT:
        problems.append(f"small profile forward takes {report.small_forward_s:.2f} s on one core (limit 2 s)")
    problems += _check_finite(out)
    problems += _check_deterministic(module, out)
    problems += _check_inputs_live(module, out)
    problems += _check_parameters_live(module)
    problems += _check_constant_outputs_fail(module, out)
    return report


def _run(module: Any, model_seed: int, input_seed: int, replace: dict[int, Any] | None = None) -> Any:
    model = make_model(module.Model, module, model_seed, _CPU)
    inputs = make_inputs(module, input_seed, _CPU)
    for index, value in (replace or {}).items():
        inputs[index] = value
    with torch.no_grad():
        return model(*inputs)


def _clone(value: Any) -> Any:
    return value.clone() if isinstance(value, torch.Tensor) else value


def _check_manifest(task: Task, entry: dict[str, Any]) -> list[str]:
    problems = []
    if task.category != entry["category"]:
        problems.append(f"category {task.category!r}, manifest says {entry['category']!r}")
    got = full_input_signature(task)
    if got != entry["inputs"]:
        problems.append(f"full-profile inputs {got} differ from the manifest's {entry['inputs']}")
    init = list(load_module(task, FULL).get_init_inputs())
    if json.loads(json.dumps(init, default=str)) != entry["init_inputs"]:
        problems.append(f"init inputs {init} differ from the manifest's {entry['init_inputs']}")
    for name, value in entry["module_constants"].items():
        if name not in task.constants:
            problems.append(f"module constant {name} missing (manifest: {value})")
        elif task.constants[name] != _normalized(value):
            problems.append(f"module constant {name} = {task.constants[name]!r}, manifest says {value}")
    return problems


def _normalized(expression: str) -> str:
    """The manifest's constant in ast.unparse's spelling (1e-5 and 1e-05 are the same constant)."""
    try:
        return ast.unparse(ast.parse(expression, mode="eval").body)
    except SyntaxError:
        return expression


def _check_finite(out: Any) -> list[str]:
    for t in tensors_in(out):
        if t.is_floating_point() and not torch.isfinite(t).all():
            return ["reference output has NaN or Inf at the small profile"]
    return []


def _check_deterministic(module: Any, out: Any) -> list[str]:
    again = _run(module, 0, 1)
    if compare_outputs(again, out, "strict") is not None:
        return ["output differs between two runs with the same seeds (nondeterministic task)"]
    if compare_outputs(_run(module, 0, 2), out, "strict") is None:
        return ["output does not change when all inputs change"]
    return []


def _check_inputs_live(module: Any, out: Any) -> list[str]:
    """Each tensor input, redrawn alone, must change the output beyond the strict tolerance."""
    problems = []
    base = make_inputs(module, 1, _CPU)
    other = make_inputs(module, 2, _CPU)
    for index, (a, b) in enumerate(zip(base, other, strict=True)):
        if not isinstance(a, torch.Tensor) or torch.equal(a, b):
            continue
        if compare_outputs(_run(module, 0, 1, {index: b}), out, "strict") is None:
            problems.append(f"input {index} is dead: redrawing it does not change the output")
    return problems


def _check_parameters_live(module: Any) -> list[str]:
    """Every parameter must influence the output (by gradient, or by perturbation where there is none)."""
    model = make_model(module.Model, module, 0, _CPU)
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not params:
        return []
    inputs = make_inputs(module, 1, _CPU)
    with torch.enable_grad():
        outs = [t for t in tensors_in(model(*inputs)) if t.requires_grad]
        if outs:
            gen = torch.Generator().manual_seed(3)
            loss = sum((t * torch.randn(t.shape, generator=gen, dtype=t.dtype)).sum() for t in outs)
            grads = torch.autograd.grad(loss, [p for _, p in params], allow_unused=True)
            dead = [n for (n, _), g in zip(params, grads, strict=True) if g is None or not bool(g.abs().max() > 0)]
            return [f"parameters without influence on the output: {', '.join(dead[:5])}"] if dead else []
    base = _run(module, 0, 1)
    with torch.no_grad():
        for _, p in params:
            p.add_(torch.randn_like(p) * (p.detach().std() + 1e-2 if p.numel() > 1 else 1e-1))
        changed = model(*inputs)
    if compare_outputs(changed, base, "strict") is None:
        return ["changing the parameters does not change the output"]
    return []


def _check_constant_outputs_fail(module: Any, out: Any) -> list[str]:
    """Zeros, or the output's mean, must fail. A one-element output is its own mean, so there the
    constant is the answer to another input draw: a fixed number must not fit every draw."""
    problems = []
    tensors = tensors_in(out)
    if tensors and all(t.numel() == 1 for t in tensors):
        fakes = (("zeros", _replace_tensors(out, torch.zeros_like)), ("another draw's output", _run(module, 0, 2)))
    else:
        fakes = (("zeros", _replace_tensors(out, torch.zeros_like)), ("the mean", _replace_tensors(out, _mean_like)))
    for name, fake in fakes:
        for profile in ("strict", "paper"):
            if tensors and compare_outputs(fake, out, profile) is None:
                problems.append(f"a constant output ({name}) passes the {profile} comparison")
    return problems


def _mean_like(t: torch.Tensor) -> torch.Tensor:
    if t.numel() == 0:
        return t.clone()
    value = t.double().mean() if not t.is_complex() else t.mean()
    return torch.full_like(t, value.item() if t.is_floating_point() else round(value.item()))


def _replace_tensors(value: Any, make: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return make(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_replace_tensors(v, make) for v in value)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check bundled reference tasks.")
    parser.add_argument("tasks", nargs="*", help="task names (default: all bundled tasks)")
    parser.add_argument("--manifest", type=Path, help="manifest.json to compare the full profile with")
    args = parser.parse_args(argv)
    entries = {}
    if args.manifest:
        entries = {t["name"]: t for t in json.loads(args.manifest.read_text())["tasks"]}
    names = args.tasks or sorted(bundled_tasks())
    failed = 0
    for name in names:
        report = check_task(load_task(name), entries.get(name))
        status = "ok" if not report.problems else "FAIL"
        print(f"{status:4s} {name} ({report.small_forward_s:.3f} s)")
        for problem in report.problems:
            print(f"     - {problem}")
        failed += bool(report.problems)
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
