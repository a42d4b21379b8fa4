"""What a candidate module defines, read from its syntax tree alone: names, functions, classes, kernels.

The integrity scanners ask the same questions again and again: what does ``F`` stand for (an import of
``torch.nn.functional``), which functions are kernel bodies that are never judged as host code
(``@triton.jit`` functions, functions handed to ``pallas_call``), which names hold the module that
``load_inline`` built, and what ``__init__`` stored on ``self`` (an ``nn.Conv2d``, a parameter, the
extension). This module answers them once per candidate; nothing here imports torch or runs the code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from multikernelbench.evaluation.integrity.vocabulary import NN_CONTAINERS, NN_NOT_MODULES

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_TRITON_DECORATORS = frozenset({"triton.jit", "triton.autotune", "triton.heuristics", "triton.language.jit"})
# Calls that return their first argument wrapped: calling the result reaches the wrapped function. torch_xla's
# make_kernel_from_pallas is how the published format hands a Pallas kernel to torch.
_WRAPPERS = frozenset({"jax.jit", "functools.partial", "functools.lru_cache", "functools.cache", "jax.vmap",
                       "torch_xla.experimental.custom_kernel.make_kernel_from_pallas"})


@dataclass
class ClassInfo:
    """One candidate class: its methods (inherited ones from candidate bases included) and what it keeps on self."""

    node: ast.ClassDef
    methods: dict[str, FunctionNode] = field(default_factory=dict)
    nn_modules: dict[str, str] = field(default_factory=dict)  # self.conv -> "Conv2d"
    nn_containers: dict[str, str | None] = field(default_factory=dict)  # self.layers -> candidate class held, if any
    tensors: set[str] = field(default_factory=set)  # parameters and buffers
    kernel_modules: set[str] = field(default_factory=set)  # self.ext = load_inline(...)
    kernel_functions: set[str] = field(default_factory=set)  # self.fn = ext.relu / self.kernel = relu_kernel
    functions: dict[str, str] = field(default_factory=dict)  # self.fn = module_level_function
    submodules: dict[str, str] = field(default_factory=dict)  # self.block = CandidateClass(...)
    nn_base: str | None = None  # class ModelNew(nn.Conv2d): the torch layer it inherits


class Candidate:
    """The parsed candidate with its names resolved; see the module docstring."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.own = _bound_names(tree)
        self.aliases = _import_aliases(tree)
        self.assigned: dict[str, list[ast.expr]] = {}  # name -> every value assigned to it, anywhere
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.assigned.setdefault(node.targets[0].id, []).append(node.value)
        self.values = {name: values[-1] for name, values in self.assigned.items()}
        self._alias_assignments()
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        for node in _top_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node
        self.triton_kernels: dict[str, ast.AST] = {}
        self.pallas_calls: list[ast.Call] = []
        self.load_calls: list[ast.Call] = []
        self.kernel_bodies: set[int] = set()
        self._find_kernels()
        self.wrappers = self._wrapped_functions()
        self.kernel_modules: set[str] = set()
        self.kernel_functions: set[str] = set()
        self.providers: set[str] = set()
        self.nn_globals: dict[str, str] = {}
        self._find_kernel_modules()
        self._class_infos: dict[str, ClassInfo] = {}

    # --- names -------------------------------------------------------------------------------------------
    def qualname(self, expr: ast.AST) -> str | None:
        """The dotted name an expression stands for (``F.relu`` -> ``torch.nn.functional.relu``), or None.

        A name the candidate binds itself resolves to None; a name it never binds is a builtin (``open``).
        ``getattr(x, "name")`` with a constant name reads as ``x.name``.
        """
        if isinstance(expr, ast.Name):
            if expr.id in self.aliases:
                return self.aliases[expr.id]
            return None if expr.id in self.own else expr.id
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value)
            return f"{base}.{expr.attr}" if base else None
        constant = self.constant_getattr(expr)
        if constant is not None:
            base = self.qualname(constant[0])
            return f"{base}.{constant[1]}" if base else None
        return None

    def constant_getattr(self, expr: ast.AST) -> tuple[ast.expr, str] | None:
        """(object, name) for ``getattr(object, "name")``."""
        if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "getattr"
                and "getattr" not in self.own and len(expr.args) >= 2 and isinstance(expr.args[1], ast.Constant)
                and isinstance(expr.args[1].value, str)):
            return expr.args[0], expr.args[1].value
        return None

    def foreign_root(self, expr: ast.AST) -> bool:
        """True when an expression is rooted in something the candidate did not define (an import, a builtin)."""
        while isinstance(expr, (ast.Attribute, ast.Subscript)):
            expr = expr.value
        if isinstance(expr, ast.Name):
            return expr.id in self.aliases or expr.id not in self.own
        constant = self.constant_getattr(expr)
        return constant is not None and self.foreign_root(constant[0])

    def is_load_call(self, expr: ast.AST) -> bool:
        if not isinstance(expr, ast.Call):
            return False
        name = self.qualname(expr.func) or ""
        return name.endswith(("cpp_extension.load_inline", "cpp_extension.load")) or name in ("load_inline", "load")

    def is_kernel_module(self, expr: ast.AST, owner: ClassInfo | None = None,
                         local: set[str] | frozenset[str] = frozenset()) -> bool:
        """True for an expression holding the module ``load_inline`` built (or a call that returns it)."""
        if self.is_load_call(expr):
            return True
        if isinstance(expr, ast.Name):
            return expr.id in self.kernel_modules or expr.id in local
        if is_self_attr(expr):
            return owner is not None and expr.attr in owner.kernel_modules
        if isinstance(expr, ast.Call):
            func = expr.func
            return (isinstance(func, ast.Name) and func.id in self.providers) or (
                is_self_attr(func) and func.attr in self.providers)
        return False

    def nn_class(self, expr: ast.AST) -> str | None:
        """``Conv2d`` for a call creating ``torch.nn.Conv2d``; None for anything else."""
        if not isinstance(expr, ast.Call):
            return None
        name = self.qualname(expr.func) or ""
        last = name.rsplit(".", 1)[-1]
        if name.startswith("torch.nn.") and last[:1].isupper():
            return last
        return None

    # --- classes -----------------------------------------------------------------------------------------
    @cached_property
    def model_new(self) -> ClassInfo | None:
        return self.class_info("ModelNew")

    def class_info(self, name: str, _seen: frozenset[str] = frozenset()) -> ClassInfo | None:
        """What the candidate class ``name`` defines and stores on ``self``; None if it defines no such class."""
        node = self.classes.get(name)
        if node is None or name in _seen:
            return None
        if name not in self._class_infos:
            self._class_infos[name] = self._read_class(node, _seen | {name})
        return self._class_infos[name]

    def _read_class(self, node: ast.ClassDef, seen: frozenset[str]) -> ClassInfo:
        info = ClassInfo(node)
        for base in node.bases:
            base_name = self.qualname(base)
            if isinstance(base, ast.Name) and base.id in self.classes:
                inherited = self.class_info(base.id, seen)
                if inherited is not None:
                    info.methods.update(inherited.methods)
                    info.nn_base = info.nn_base or inherited.nn_base
            elif base_name and base_name.startswith("torch.nn.") and base_name.rsplit(".", 1)[-1] not in NN_NOT_MODULES:
                info.nn_base = base_name.rsplit(".", 1)[-1]
        info.methods.update({n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
        for method in info.methods.values():
            for sub in ast.walk(method):
                if isinstance(sub, ast.Assign):
                    for target in sub.targets:
                        if is_self_attr(target):
                            self._record_self_attr(info, target.attr, sub.value)
                elif isinstance(sub, ast.Call) and is_self_attr(sub.func) and sub.func.attr == "register_buffer":
                    if sub.args and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str):
                        info.tensors.add(sub.args[0].value)
        return info

    def _record_self_attr(self, info: ClassInfo, attr: str, value: ast.expr) -> None:
        nn_class = self.nn_class(value)
        callee = self.qualname(value.func) if isinstance(value, ast.Call) else None
        if self.is_kernel_module(value, info):
            info.kernel_modules.add(attr)
        elif isinstance(value, ast.Attribute) and self.is_kernel_module(value.value, info):
            info.kernel_functions.add(attr)
        elif isinstance(value, ast.Name) and value.id in self.triton_kernels:
            info.kernel_functions.add(attr)
        elif nn_class in NN_CONTAINERS:
            held = next((n.func.id for n in ast.walk(value) if isinstance(n, ast.Call)
                         and isinstance(n.func, ast.Name) and n.func.id in self.classes), None)
            info.nn_containers[attr] = held
            if nn_class == "Sequential" and held is None:
                info.nn_modules[attr] = nn_class
        elif nn_class in NN_NOT_MODULES or (callee or "").count(".") == 1 and (callee or "").startswith("torch."):
            info.tensors.add(attr)  # nn.Parameter(...), torch.randn(...)
        elif nn_class is not None:
            info.nn_modules[attr] = nn_class
        elif isinstance(value, ast.Name) and (value.id in self.functions or value.id in self.wrappers):
            info.functions[attr] = self.wrappers.get(value.id, value.id)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in self.classes:
            info.submodules[attr] = value.func.id

    def method_patches(self) -> Iterator[ast.expr]:
        """Values given to ModelNew's attributes from outside its body (``ModelNew.forward = f``, setattr)."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "ModelNew"
                    for t in node.targets):
                yield node.value
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                  and len(node.args) == 3 and isinstance(node.args[0], ast.Name) and node.args[0].id == "ModelNew"):
                yield node.args[2]

    # --- kernels -----------------------------------------------------------------------------------------
    def _find_kernels(self) -> None:
        body_names: set[str] = set()  # functions handed to pallas_call or wrapped by triton.jit(...)
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    self._is_triton_decorator(d) for d in node.decorator_list):
                self.triton_kernels.setdefault(node.name, node)
                self.kernel_bodies.add(id(node))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and self._is_triton_decorator(
                    node.value.func) and node.value.args:
                for target in node.targets:  # kernel = triton.jit(body)
                    if isinstance(target, ast.Name):
                        self.triton_kernels[target.id] = node
                if isinstance(node.value.args[0], ast.Name):
                    body_names.add(node.value.args[0].id)
            elif isinstance(node, ast.Call):
                name = self.qualname(node.func) or ""
                if name == "pallas_call" or name.endswith(".pallas_call"):
                    self.pallas_calls.append(node)
                    body = node.args[0] if node.args else next(
                        (kw.value for kw in node.keywords if kw.arg in ("kernel", "f")), None)
                    self._mark_pallas_body(body, body_names, depth=0)
                elif self.is_load_call(node):
                    self.load_calls.append(node)
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in body_names:
                self.kernel_bodies.add(id(node))

    def _mark_pallas_body(self, expr: ast.AST | None, names: set[str], depth: int) -> None:
        """The kernel handed to pallas_call: a name, a lambda, partial(kernel, ...) or a name bound to one."""
        if depth > 4 or expr is None:
            return
        if isinstance(expr, ast.Lambda):
            self.kernel_bodies.add(id(expr))
        elif isinstance(expr, ast.Name):
            names.add(expr.id)
            for value in self.assigned.get(expr.id, []):  # kernel = functools.partial(body, ...)
                if isinstance(value, ast.Call):
                    self._mark_pallas_body(value, names, depth + 1)
        elif isinstance(expr, ast.Call) and expr.args:
            self._mark_pallas_body(expr.args[0], names, depth + 1)

    def _is_triton_decorator(self, expr: ast.expr) -> bool:
        target = expr.func if isinstance(expr, ast.Call) else expr
        return (self.qualname(target) or "") in _TRITON_DECORATORS

    def _wrapped_functions(self) -> dict[str, str]:
        """Names bound to a wrapped candidate function (``relu = jax.jit(_relu)``) -> the function's name."""
        wrapped: dict[str, str] = {}
        for name, value in self.values.items():
            if (isinstance(value, ast.Call) and (self.qualname(value.func) or "") in _WRAPPERS and value.args
                    and isinstance(value.args[0], ast.Name) and value.args[0].id in self.functions):
                wrapped[name] = value.args[0].id
        return wrapped

    def _find_kernel_modules(self) -> None:
        """Names holding the load_inline module, its functions, and the functions that return it."""
        for _ in range(3):  # a provider may return another provider's module
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if not isinstance(target, ast.Name):
                            continue
                        if self.is_kernel_module(node.value):
                            self.kernel_modules.add(target.id)
                        elif isinstance(node.value, ast.Attribute) and self.is_kernel_module(node.value.value):
                            self.kernel_functions.add(target.id)
                        elif (self.nn_class(node.value) or "Module") not in NN_NOT_MODULES:
                            self.nn_globals[target.id] = self.nn_class(node.value) or ""
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                        isinstance(r, ast.Return) and r.value is not None and self.is_kernel_module(r.value)
                        for r in ast.walk(node)):
                    self.providers.add(node.name)

    def _alias_assignments(self) -> None:
        """``F = torch.nn.functional`` and ``mm = getattr(torch, "matmul")`` make aliases too."""
        for name, value in list(self.values.items()):
            if name not in self.aliases and self.foreign_root(value) and not isinstance(value, ast.Subscript):
                dotted = self.qualname(value)
                if dotted and dotted.split(".", 1)[0] in {a.split(".", 1)[0] for a in self.aliases.values()}:
                    self.aliases[name] = dotted


def is_self_attr(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self"


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module statements, with those inside top-level if/try blocks (guarded definitions) included."""
    out: list[ast.stmt] = []
    for node in body:
        out.append(node)
        if isinstance(node, (ast.If, ast.Try)):
            for block in (node.body, node.orelse, getattr(node, "finalbody", []),
                          *[h.body for h in getattr(node, "handlers", [])]):
                out.extend(_top_level(block))
    return out


def _bound_names(tree: ast.Module) -> set[str]:
    """Every name the module binds itself, anywhere: assignments, parameters, definitions, loop variables."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.MatchAs) and node.name:
            names.add(node.name)
    return names


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted origin it imports (``import torch.nn.functional as F`` gives F)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".", 1)[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name
    return aliases
