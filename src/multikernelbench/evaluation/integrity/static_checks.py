"""The static integrity check: reading a candidate's source for cheats before anything runs.

Answers are untrusted and some cheat: they call PyTorch (or the reference ``Model``) instead of their
own kernel, define a kernel that ``forward`` never calls, fall back to PyTorch when the kernel fails,
patch the clock or the comparison, start threads, write files, or run the work on another stream.
:func:`scan_candidate` reads the module with :mod:`ast` (in the parent process: nothing is imported or
executed, torch included) and returns one :class:`~multikernelbench.records.IntegrityFlag` per finding.

Compute in ``forward`` is judged on the code ``forward`` reaches (see :mod:`.reachability`); the
hazards (harness patches, dynamic code, threads, side channels, streams, the reference model) anywhere
in the module; the C++/CUDA sources handed to ``load_inline`` by :mod:`.cxx_sources`. Prefer silence
to a false alarm: the runtime dispatch trace is the authority on what actually computed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from multikernelbench.evaluation.integrity.candidate import Candidate
from multikernelbench.evaluation.integrity.cxx_sources import cxx_strings, scan_cxx
from multikernelbench.evaluation.integrity.reachability import ForwardScan
from multikernelbench.evaluation.integrity.vocabulary import (
    BUILD_VARIABLES,
    CHECKS,
    DOTTED_HAZARDS,
    DYNAMIC_CODE,
    FILE_WRITING_METHODS,
    HARNESS_PATCH,
    HAZARD_FAMILIES,
    INTROSPECTION_ATTRS,
    NO_OWN_KERNEL,
    PATH_HAZARDS,
    REFERENCE_MODEL,
    SIDE_CHANNEL,
    STREAM,
    THREADS_OR_PROCESSES,
    TORCH_COMPUTE,
    TORCH_FALLBACK,
)
from multikernelbench.records import IntegrityFlag

__all__ = [
    "CHECKS",
    "DYNAMIC_CODE",
    "HARNESS_PATCH",
    "NO_OWN_KERNEL",
    "REFERENCE_MODEL",
    "SIDE_CHANNEL",
    "STREAM",
    "THREADS_OR_PROCESSES",
    "TORCH_COMPUTE",
    "TORCH_FALLBACK",
    "scan_candidate",
]

_WHY = {
    THREADS_OR_PROCESSES: "starts threads or processes ({}), which may outlive the worker or race the timing",
    SIDE_CHANNEL: "opens a channel out of the worker ({})",
    HARNESS_PATCH: "reaches into or changes the harness ({})",
    DYNAMIC_CODE: "runs code built at run time ({}), which no check can read",
    STREAM: "uses a non-default CUDA stream ({}), which the timing does not wait for",
    TORCH_COMPUTE: "hands the work to another compiler ({}) instead of its own kernel",
    REFERENCE_MODEL: "uses the reference Model ({}) instead of computing the result itself",
}
_WRITE_MODE = frozenset("wax+")
_OPEN_FUNCTIONS = frozenset({"open", "io.open", "codecs.open", "builtins.open"})
_WHERE = re.compile(r"line (\d+)(?: \(C\+\+ source line (\d+)\))?")

Hazard = tuple[int, str, str]  # (line, check, what)


def scan_candidate(source: str, kernel_kind: str) -> tuple[IntegrityFlag, ...]:
    """Flags for everything statically wrong with the candidate module ``source``, sorted by line.

    ``kernel_kind`` names how the backend's kernels are made: ``load_inline`` (C++ and CUDA),
    ``triton_jit`` or ``pallas_call``; another value skips only the own-kernel check. A source that
    does not parse gives no flags (the build reports it); one that parses but nests too deeply to walk
    gives a single dynamic_code flag.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    try:
        candidate = Candidate(tree)
        demo = _main_block_lines(candidate)
        flags = [IntegrityFlag(check, f"line {line}", _WHY[check].format(what))
                 for line, check, what in module_hazards(candidate)
                 if not (check == REFERENCE_MODEL and line in demo)]
        scan = ForwardScan(candidate, kernel_kind).run()
        flags += scan.flags + scan.own_kernel_flags()
        for line, text in cxx_strings(tree, candidate.values):
            flags += [IntegrityFlag(check, f"line {line} (C++ source line {sub})", why)
                      for check, sub, why in scan_cxx(text)]
    except RecursionError:
        # Nesting that Python still compiles but that is too deep to walk: an answer no check can read
        # must not pass as clean. (Deeper still, ast.parse fails above, and so does the build.)
        return (IntegrityFlag(DYNAMIC_CODE, "line 1", "the source nests too deeply for any check to read it"),)
    return _tidy(flags)


def module_hazards(candidate: Candidate) -> Iterator[Hazard]:
    """Hazards anywhere in the module, reached from forward or not: a module's top level runs at build."""
    tree = candidate.tree
    chained = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 1)
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _dotted(alias.name, line)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            yield from _dotted(module, line)
            for alias in node.names:
                if alias.name == "Model":
                    yield line, REFERENCE_MODEL, f"imports Model from {module or '.'}"
                elif module:
                    yield from _dotted(f"{module}.{alias.name}", line)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                patched = _patched(candidate, target)
                if patched:
                    yield line, HARNESS_PATCH, patched
        elif isinstance(node, ast.Call):
            yield from _call_hazards(candidate, node)
        elif isinstance(node, ast.Attribute):
            if node.attr in INTROSPECTION_ATTRS:
                yield line, HARNESS_PATCH, f"reads .{node.attr}"
            elif node.attr == "Model":
                yield line, REFERENCE_MODEL, ast.unparse(node)
            if id(node) not in chained:
                yield from _dotted(candidate.qualname(node), line)
        elif isinstance(node, ast.Name):
            if node.id == "Model":
                yield line, REFERENCE_MODEL, "the name Model"
            elif node.id == "__builtins__":
                yield line, HARNESS_PATCH, "reads __builtins__"
            elif id(node) not in chained and isinstance(node.ctx, ast.Load):
                yield from _dotted(candidate.qualname(node), line)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any(path in node.value for path in PATH_HAZARDS) or node.value.rstrip("/") == "/proc":
                yield line, HARNESS_PATCH, "a /proc or /dev path"


def _dotted(name: str | None, line: int) -> Iterator[Hazard]:
    """The hazard a dotted name is, by its longest listed prefix (``os.environ.update``, ``threading``)."""
    if not name:
        return
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        check = DOTTED_HAZARDS.get(".".join(parts[:end]))
        if check:
            yield line, check, name
            return
    for family, check in HAZARD_FAMILIES.items():
        if name.startswith(family):
            yield line, check, name
            return


def _call_hazards(candidate: Candidate, call: ast.Call) -> Iterator[Hazard]:
    func, line = call.func, call.lineno
    name = candidate.qualname(func)
    if name and name.startswith("os.environ.") and name.split(".")[-1] in _ENVIRON_WRITES:
        if not _only_build_variables(call):
            yield line, HARNESS_PATCH, f"changes the environment ({name})"
        return
    constant = candidate.constant_getattr(call)
    if constant is not None:  # getattr(torch, "compile") is torch.compile, getattr(mod, "Model") the reference
        yield from _dotted(name, line)
        if constant[1] == "Model":
            yield line, REFERENCE_MODEL, ast.unparse(call)
    if name in _OPEN_FUNCTIONS or (isinstance(func, ast.Attribute) and func.attr == "open" and name is None):
        mode = _argument(call, 1 if name in _OPEN_FUNCTIONS else 0, "mode")
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and _WRITE_MODE & set(mode.value):
            yield line, SIDE_CHANNEL, f"opens a file for writing with mode {mode.value!r}"
    elif isinstance(func, ast.Attribute) and func.attr in FILE_WRITING_METHODS:
        yield line, SIDE_CHANNEL, f"writes a file with .{func.attr}()"
    elif name in ("setattr", "delattr") and call.args:
        target = call.args[0]
        attr = _argument(call, 1, "name")
        if candidate.foreign_root(target) or (isinstance(attr, ast.Constant) and attr.value == "__class__"):
            yield line, HARNESS_PATCH, f"{name} on {ast.unparse(target)}"
    elif name == "getattr" and len(call.args) >= 2 and constant is None and candidate.foreign_root(call.args[0]):
        yield line, DYNAMIC_CODE, f"getattr on {ast.unparse(call.args[0])} with a name computed at run time"


def _patched(candidate: Candidate, target: ast.AST) -> str | None:
    """What an assignment target changes when it is not the candidate's own (``torch.cuda.synchronize = f``)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return next((p for p in (_patched(candidate, t) for t in target.elts) if p), None)
    if isinstance(target, ast.Starred):
        return _patched(candidate, target.value)
    if isinstance(target, ast.Attribute) and target.attr == "__class__":
        return f"assigns {ast.unparse(target)}"
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return None
    if _sets_build_variable(candidate, target):
        return None
    root = target
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    type_of = isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id in ("type", "vars")
    return f"assigns {ast.unparse(target)}" if type_of or candidate.foreign_root(target) else None


_ENVIRON_WRITES = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"})


def _only_build_variables(call: ast.Call) -> bool:
    """True when an ``os.environ`` call names only build settings, as constants."""
    if not call.args or call.keywords:
        return False
    first = call.args[0]
    if isinstance(first, ast.Dict):
        keys: list[ast.expr | None] = list(first.keys)
    else:
        keys = [first]
    return all(isinstance(k, ast.Constant) and k.value in BUILD_VARIABLES for k in keys)


def _sets_build_variable(candidate: Candidate, target: ast.AST) -> bool:
    """``os.environ["TORCH_CUDA_ARCH_LIST"] = ...`` and the like: a build setting, not a patch."""
    return (isinstance(target, ast.Subscript) and candidate.qualname(target.value) == "os.environ"
            and isinstance(target.slice, ast.Constant) and target.slice.value in BUILD_VARIABLES)


def _main_block_lines(candidate: Candidate) -> set[int]:
    """Lines of ``if __name__ == "__main__":`` blocks, which never run when the harness loads the module.

    Answers often compare themselves with a pasted reference ``Model`` there; that is not a cheat.
    """
    if "__name__" in candidate.own:  # a module that sets __name__ itself could make the block run
        return set()
    lines: set[int] = set()
    for node in candidate.tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.comparators) == 1:
            sides = {ast.unparse(node.test.left), ast.unparse(node.test.comparators[0])}
            if sides == {"__name__", "'__main__'"} and isinstance(node.test.ops[0], ast.Eq):
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index:
        return call.args[index]
    return next((kw.value for kw in call.keywords if kw.arg == keyword), None)


def _tidy(flags: list[IntegrityFlag]) -> tuple[IntegrityFlag, ...]:
    """One flag per (check, where), in source order."""
    unique: dict[tuple[str, str], IntegrityFlag] = {}
    for flag in flags:
        unique.setdefault((flag.check, flag.where), flag)

    def order(flag: IntegrityFlag) -> tuple[int, int, int]:
        match = _WHERE.match(flag.where)
        line, sub = (int(match.group(1)), int(match.group(2) or 0)) if match else (0, 0)
        return line, sub, CHECKS.index(flag.check) if flag.check in CHECKS else len(CHECKS)

    return tuple(sorted(unique.values(), key=order))
