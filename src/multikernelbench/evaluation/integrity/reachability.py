"""What ``ModelNew.forward`` reaches, and whether that code computes outside the answer's own kernels.

The scan starts at ``forward`` (and ``__call__``) and follows the candidate's own code: ``self.<method>``,
module-level functions (also through ``jax.jit`` or ``functools.partial`` wrappers) and classes, never
into kernel bodies. In what it reaches it flags PyTorch compute (torch functions, tensor methods, an
``nn`` module called, the ``@`` operator, arithmetic on values known to be tensors), jax compute outside
the Pallas kernel, and compute inside ``except``/``else`` blocks (a fallback for a kernel that fails).
It also notes which kernels forward launches, for the no_own_kernel check.

Arithmetic cannot be typed from syntax: it is flagged only when an operand is clearly a tensor (bound to
a torch call or a tensor method, or a parameter used as a tensor), so ``(n + 255) // 256`` passes. The
runtime dispatch trace is the authority there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from multikernelbench.evaluation.integrity.candidate import Candidate, ClassInfo, FunctionNode, is_self_attr
from multikernelbench.evaluation.integrity.vocabulary import (
    AMBIGUOUS_COMPUTE_METHODS,
    COMPUTE_METHODS,
    JAX_COMPUTE_NAMESPACES,
    METADATA_METHODS,
    NN_NOT_MODULES,
    NO_OWN_KERNEL,
    NON_TENSOR_FORWARD_USES,
    TENSOR_ATTRS,
    TENSOR_VALUED_ATTRS,
    TORCH_COMPUTE,
    TORCH_FALLBACK,
    VIEW_METHODS,
    jax_computes,
    torch_computes,
)
from multikernelbench.records import IntegrityFlag

NORMAL, FALLBACK = "normal", "fallback"
_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.FloorDiv: "//",
               ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_TENSOR_ANNOTATIONS = frozenset({"torch.Tensor", "jax.Array", "jax.numpy.ndarray"})
_NN_CALL_METHODS = frozenset({"forward", "__call__", "_conv_forward"})
# torch.ops namespaces that are PyTorch's own; any other one is an op the answer registered itself.
_TORCH_OP_NAMESPACES = frozenset({"aten", "prims", "quantized", "_quantized", "mkldnn", "higher_order", "rngprims"})
_TORCH_NON_TENSOR = frozenset({"Size", "device", "dtype", "finfo", "iinfo", "no_grad", "inference_mode",
                               "enable_grad", "set_grad_enabled", "get_default_dtype", "result_type",
                               "promote_types", "can_cast", "broadcast_shapes", "Generator", "numel", "typename",
                               "_assert", "get_num_threads"})
_EVIDENCE_METHODS = (VIEW_METHODS | METADATA_METHODS | COMPUTE_METHODS) - {"split", "type"}
# Bindings are read in source order, so one pass follows straight-line code; a few more follow loops.
# The cap keeps a hostile source from making the scan quadratic; it can only cost flags, never add them.
_TAINT_PASSES = 4
_KERNEL_WORDS = {"load_inline": "extension built with load_inline", "triton_jit": "@triton.jit kernel",
                 "pallas_call": "pallas_call kernel"}


class ForwardScan:
    """Runs the scan from ``ModelNew.forward``; ``flags`` and ``launched`` hold what it found."""

    def __init__(self, candidate: Candidate, kernel_kind: str) -> None:
        self.candidate = candidate
        self.kernel_kind = kernel_kind
        self.flags: list[IntegrityFlag] = []
        self.launched: set[str] = set()
        self._queue: list[tuple[FunctionNode, ClassInfo | None, str, bool]] = []
        self._seen: set[tuple[int, str]] = set()

    def run(self) -> ForwardScan:
        model = self.candidate.model_new
        if model is not None:
            for name in ("forward", "__call__"):
                if name in model.methods:
                    self.enqueue(model.methods[name], model, NORMAL, entry=True)
            for value in self.candidate.method_patches():
                self._reference_patch(value, model)
        while self._queue:
            _Frame(self, *self._queue.pop()).walk()
        return self

    def _reference_patch(self, value: ast.expr, model: ClassInfo) -> None:
        """``ModelNew.forward = helper`` (or a lambda) after the class: that code runs as forward."""
        if isinstance(value, ast.Lambda):
            body = ast.FunctionDef(name="<lambda>", args=value.args, body=[ast.Return(value.body)], decorator_list=[])
            self.enqueue(ast.fix_missing_locations(ast.copy_location(body, value)), model, NORMAL, entry=True)
        elif isinstance(value, ast.Name) and value.id in self.candidate.functions:
            self.enqueue(self.candidate.functions[value.id], model, NORMAL, entry=True)

    def enqueue(self, func: FunctionNode, owner: ClassInfo | None, mode: str, entry: bool = False) -> None:
        key = (id(func), mode)
        if key not in self._seen and id(func) not in self.candidate.kernel_bodies:
            self._seen.add(key)
            self._queue.append((func, owner, mode, entry))

    def enqueue_class(self, name: str, mode: str, methods: tuple[str, ...] = ("forward", "__call__")) -> None:
        info = self.candidate.class_info(name)
        for method in methods:
            if info is not None and method in info.methods:
                self.enqueue(info.methods[method], info, mode)

    def flag(self, node: ast.AST, mode: str, desc: str, jax: bool = False) -> None:
        if mode == FALLBACK:
            check, why = TORCH_FALLBACK, f"falls back to PyTorch when the kernel fails ({desc})"
        elif jax:
            check, why = TORCH_COMPUTE, f"computes with jax.numpy outside the Pallas kernel ({desc}), from forward"
        else:
            check, why = TORCH_COMPUTE, f"computes with PyTorch ({desc}) in code forward reaches, not in its own kernel"
        self.flags.append(IntegrityFlag(check, f"line {node.lineno}", why))

    def own_kernel_flags(self) -> list[IntegrityFlag]:
        """no_own_kernel: the backend's kernel is missing, or defined but never launched from forward."""
        cand = self.candidate
        defined = {"load_inline": cand.load_calls, "triton_jit": list(cand.triton_kernels.values()),
                   "pallas_call": cand.pallas_calls}.get(self.kernel_kind)
        if defined is None or self.kernel_kind in self.launched:
            return []
        if defined:
            line = min(getattr(node, "lineno", 1) for node in defined)
            why = "the kernel is defined but forward never calls it"
        else:
            forward = cand.model_new.methods.get("forward") if cand.model_new else None
            line = forward.lineno if forward is not None else 1
            why = f"the answer defines no {_KERNEL_WORDS[self.kernel_kind]}, so none of the work runs in its own kernel"
        return [IntegrityFlag(NO_OWN_KERNEL, f"line {line}", why)]


class _Frame:
    """One reached function: its local names (kernel handles, nn modules, tensors) and the walk over it."""

    def __init__(self, scan: ForwardScan, func: FunctionNode, owner: ClassInfo | None, mode: str, entry: bool):
        self.scan, self.cand, self.func, self.owner, self.mode = scan, scan.candidate, func, owner, mode
        self.kernel_modules: set[str] = set()
        self.kernel_functions: set[str] = set()
        self.launchers: set[str] = set()  # launch = kernel[grid]
        self.nn_locals: dict[str, str] = {}  # name -> nn class
        self.class_locals: dict[str, str] = {}  # name -> candidate class
        self.bindings = list(self._bindings())
        for _ in range(2):
            self._bind_locals()
        self.tainted = self._seed_tensors(entry)
        changed, passes = True, 0
        while changed and passes < _TAINT_PASSES:
            changed, passes = False, passes + 1
            for target, value, _ in self.bindings:
                if self.is_tensor(value):
                    new = set(_names(target)) - self.tainted
                    self.tainted |= new
                    changed = changed or bool(new)

    # --- the walk ----------------------------------------------------------------------------------------
    def walk(self) -> None:
        for stmt in self.func.body:
            self._visit(stmt, self.mode)

    def _visit(self, node: ast.AST, mode: str) -> None:
        if id(node) in self.cand.kernel_bodies:
            return
        if isinstance(node, (ast.Try, ast.TryStar)):
            for stmt in node.body:
                self._visit(stmt, mode)
            for block in (node.handlers, node.orelse):
                for stmt in block:
                    self._visit(stmt, FALLBACK)
            for stmt in node.finalbody:
                self._visit(stmt, mode)
            return
        for child in ast.iter_child_nodes(node):
            self._visit(child, mode)
        self._inspect(node, mode)  # after the children, so `F.gelu(x) + 1` is reported as F.gelu

    def _inspect(self, node: ast.AST, mode: str) -> None:
        scan = self.scan
        if isinstance(node, ast.Call):
            self._call(node, mode)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            scan.flag(node, mode, "the @ operator")
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC and (
                self.is_tensor(node.left) or self.is_tensor(node.right)):
            scan.flag(node, mode, f"tensor arithmetic with {_ARITHMETIC[type(node.op)]}")
        elif isinstance(node, ast.AugAssign) and (isinstance(node.op, ast.MatMult) or (
                type(node.op) in _ARITHMETIC and (self.is_tensor(node.target) or self.is_tensor(node.value)))):
            scan.flag(node, mode, "in-place tensor arithmetic")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and self.is_tensor(node.operand):
            scan.flag(node, mode, "tensor negation")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            self._reference(node.id, mode)
            if node.id == "Model" and mode == FALLBACK:
                scan.flag(node, mode, "the reference Model")
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if is_self_attr(node) and self.owner is not None and node.attr in self.owner.methods:
                scan.enqueue(self.owner.methods[node.attr], self.owner, mode)
            elif isinstance(node.value, ast.Name) and node.value.id in self.cand.classes:
                method = "forward" if node.attr == "apply" else node.attr  # autograd.Function.apply
                scan.enqueue_class(node.value.id, mode, (method,))

    def _reference(self, name: str, mode: str) -> None:
        """A candidate function or class named in reached code runs (called, jitted or passed along)."""
        cand = self.cand
        if name in cand.functions:
            self.scan.enqueue(cand.functions[name], None, mode)
        elif name in cand.wrappers:
            self.scan.enqueue(cand.functions[cand.wrappers[name]], None, mode)
        elif name in cand.classes:
            self.scan.enqueue_class(name, mode)

    def _call(self, call: ast.Call, mode: str) -> None:
        kind = self._launch_kind(call)
        if kind is not None:
            self.scan.launched.add(kind)
            return
        func, owner = call.func, self.owner
        if isinstance(func, ast.Name) and func.id in self.cand.classes:
            self.scan.enqueue_class(func.id, mode, ("__init__",))
        elif isinstance(func, ast.Name) and func.id in self.class_locals:
            self.scan.enqueue_class(self.class_locals[func.id], mode)
        elif is_self_attr(func) and owner is not None:
            if func.attr in owner.functions:
                self._reference(owner.functions[func.attr], mode)
            elif func.attr in owner.submodules:
                self.scan.enqueue_class(owner.submodules[func.attr], mode)
        elif isinstance(func, ast.Subscript) and is_self_attr(func.value) and owner is not None:
            held = owner.nn_containers.get(func.value.attr)
            if held:
                self.scan.enqueue_class(held, mode)
        found = self._compute(call)
        if found is not None:
            self.scan.flag(call, mode, *found)

    def _compute(self, call: ast.Call) -> tuple[str, bool] | None:
        """(what computes, whether it is jax) when this call computes outside the kernels."""
        func, owner = call.func, self.owner
        name = self.cand.qualname(func)
        if name is not None:
            if torch_computes(name):
                return name, False
            return (name, True) if jax_computes(name) else None
        if isinstance(func, ast.Call):  # nn.ReLU()(x)
            created = self.cand.nn_class(func)
            return (f"nn.{created}(...)(...)", False) if created and created not in NN_NOT_MODULES else None
        module = self._nn_module(func)
        if module is not None:
            return module, False
        if not isinstance(func, ast.Attribute):
            return None
        receiver, method = func.value, func.attr
        if method in _NN_CALL_METHODS:
            module = self._nn_module(receiver)
            if module is not None:
                return f"{module}.{method}", False
            if owner is not None and owner.nn_base and (_is_super(receiver) or (
                    isinstance(receiver, ast.Name) and receiver.id == "self" and method not in owner.methods)):
                return f"the inherited nn.{owner.nn_base}.{method}", False
        if (self.cand.foreign_root(receiver) or (isinstance(receiver, ast.Name) and receiver.id == "self")
                or self.cand.is_kernel_module(receiver, owner, self.kernel_modules)):
            return None
        if method in COMPUTE_METHODS or (method in AMBIGUOUS_COMPUTE_METHODS and self.is_tensor(receiver)):
            return f".{method}()", self.scan.kernel_kind == "pallas_call"
        return None

    def _launch_kind(self, call: ast.Call) -> str | None:
        """Which backend's kernel this call launches, if it launches one of the answer's kernels."""
        func, cand, owner = call.func, self.cand, self.owner
        if isinstance(func, ast.Subscript) and self._is_triton_kernel(func.value):
            return "triton_jit"
        if isinstance(func, ast.Name) and func.id in self.launchers:
            return "triton_jit"
        if isinstance(func, ast.Attribute) and cand.is_kernel_module(func.value, owner, self.kernel_modules):
            return "load_inline"
        if isinstance(func, ast.Name) and (func.id in cand.kernel_functions or func.id in self.kernel_functions):
            return "load_inline"
        if is_self_attr(func) and owner is not None and func.attr in owner.kernel_functions:
            return "load_inline"
        name = cand.qualname(func) or ""
        if name == "pallas_call" or name.endswith(".pallas_call"):
            return "pallas_call"
        if name.startswith("torch.ops.") and name.count(".") >= 3 and name.split(".")[2] not in _TORCH_OP_NAMESPACES:
            return "load_inline"  # an op the answer registered with TORCH_LIBRARY
        return None

    def _is_triton_kernel(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id in self.cand.triton_kernels
        return is_self_attr(expr) and self.owner is not None and expr.attr in self.owner.kernel_functions

    # --- what names hold -----------------------------------------------------------------------------------
    def _nn_module(self, expr: ast.AST) -> str | None:
        """A description when ``expr`` is an nn module instance that calling would run PyTorch on."""
        kind = self._nn_kind(expr)
        return f"{ast.unparse(expr)}, {kind}" if kind else None

    def _nn_kind(self, expr: ast.AST) -> str | None:
        owner = self.owner
        if is_self_attr(expr) and owner is not None and expr.attr in owner.nn_modules:
            return f"an nn.{owner.nn_modules[expr.attr]}"
        if (isinstance(expr, ast.Subscript) and is_self_attr(expr.value) and owner is not None
                and expr.value.attr in owner.nn_containers and owner.nn_containers[expr.value.attr] is None):
            return "an nn module"
        if isinstance(expr, ast.Name):
            if expr.id in self.nn_locals:
                return self.nn_locals[expr.id]
            return f"an nn.{self.cand.nn_globals[expr.id]}" if expr.id in self.cand.nn_globals else None
        return None

    def is_tensor(self, expr: ast.AST) -> bool:
        """True only when ``expr`` is clearly a tensor (or array); unknown values are not."""
        if isinstance(expr, ast.Name):
            return expr.id in self.tainted
        if isinstance(expr, ast.Attribute):
            if is_self_attr(expr):
                return self.owner is not None and expr.attr in self.owner.tensors
            if expr.attr in ("weight", "bias") and self._nn_module(expr.value):
                return True
            return expr.attr in TENSOR_VALUED_ATTRS and self.is_tensor(expr.value)
        if isinstance(expr, ast.Subscript):
            return self.is_tensor(expr.value)
        if isinstance(expr, ast.BinOp):
            return self.is_tensor(expr.left) or self.is_tensor(expr.right)
        if isinstance(expr, ast.UnaryOp):
            return self.is_tensor(expr.operand)
        if isinstance(expr, ast.IfExp):
            return self.is_tensor(expr.body) or self.is_tensor(expr.orelse)
        if isinstance(expr, ast.Call):
            return self._returns_tensor(expr)
        return False

    def _returns_tensor(self, call: ast.Call) -> bool:
        func = call.func
        name = self.cand.qualname(func)
        if name is not None:
            last = name.rsplit(".", 1)[-1]
            if name.startswith("torch.") and name.count(".") == 1:
                return last not in _TORCH_NON_TENSOR and not last[:1].isupper()
            return (torch_computes(name) or name.startswith(JAX_COMPUTE_NAMESPACES)
                    or last == "from_dlpack")
        if self._launch_kind(call) is not None:
            return True
        if isinstance(func, ast.Attribute) and not self.cand.foreign_root(func.value):
            if func.attr in COMPUTE_METHODS:
                return True
            return func.attr in VIEW_METHODS | AMBIGUOUS_COMPUTE_METHODS and self.is_tensor(func.value)
        return False

    def _seed_tensors(self, entry: bool) -> set[str]:
        """Parameters that are clearly tensors: annotated so, or with tensor methods or attributes used on them;
        for forward, also those handed to a kernel and never used as a number (``float(s)``, ``s[0]``)."""
        arguments = (*self.func.args.posonlyargs, *self.func.args.args, *self.func.args.kwonlyargs)
        params = {a.arg for a in arguments} - {"self", "cls"}
        annotated = {a.arg for a in arguments if a.annotation is not None and _annotation(self.cand, a.annotation)}
        callees = {id(n.func) for n in self._nodes() if isinstance(n, ast.Call)}
        evidence: set[str] = set()
        launched: set[str] = set()
        scalar: set[str] = set()
        for node in self._nodes():
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.attr in TENSOR_ATTRS or (node.attr in _EVIDENCE_METHODS and id(node) in callees):
                    evidence.add(node.value.id)
            elif isinstance(node, ast.Call) and entry and self._launch_kind(node) is not None:
                launched.update(a.id for a in node.args if isinstance(a, ast.Name))
            if isinstance(node, ast.Call) and _callee(node) in NON_TENSOR_FORWARD_USES:
                scalar.update(a.id for a in node.args if isinstance(a, ast.Name))
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                scalar.add(node.value.id)
        return params & (annotated | evidence | (launched - scalar))

    def _bindings(self) -> Iterator[tuple[ast.AST, ast.expr, bool]]:
        """(target, value, iterated) for every name binding in the function."""
        for node in self._nodes():
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    yield target, node.value, False
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                yield node.target, node.value, False
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                yield node.target, node.iter, True
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                yield node.optional_vars, node.context_expr, False

    def _bind_locals(self) -> None:
        cand, owner = self.cand, self.owner
        for target, value, iterated in self.bindings:
            if iterated and isinstance(value, ast.Call) and _callee(value) == "enumerate" and value.args:
                value = value.args[0]
                target = target.elts[1] if isinstance(target, ast.Tuple) and len(target.elts) == 2 else target
            names = set(_names(target))
            if iterated:
                element = ast.Subscript(value=value, slice=ast.Constant(0), ctx=ast.Load())
                self._bind_module(names, element)
            elif cand.is_kernel_module(value, owner, self.kernel_modules):
                self.kernel_modules |= names
            elif isinstance(value, ast.Attribute) and cand.is_kernel_module(value.value, owner, self.kernel_modules):
                self.kernel_functions |= names
            elif isinstance(value, ast.Subscript) and self._is_triton_kernel(value.value):
                self.launchers |= names
            else:
                self._bind_module(names, value)

    def _bind_module(self, names: set[str], value: ast.expr) -> None:
        owner, classes = self.owner, self.cand.classes
        created = self.cand.nn_class(value)
        kind = self._nn_kind(value)
        if created and created not in NN_NOT_MODULES:
            self.nn_locals.update(dict.fromkeys(names, f"an nn.{created}"))
        elif kind:
            self.nn_locals.update(dict.fromkeys(names, kind))
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in classes:
            self.class_locals.update(dict.fromkeys(names, value.func.id))
        elif owner is not None and is_self_attr(value) and value.attr in owner.submodules:
            self.class_locals.update(dict.fromkeys(names, owner.submodules[value.attr]))
        elif owner is not None and isinstance(value, ast.Subscript) and is_self_attr(value.value):
            held = owner.nn_containers.get(value.value.attr)
            if held:
                self.class_locals.update(dict.fromkeys(names, held))

    def _nodes(self) -> Iterator[ast.AST]:
        """The function's nodes in source order, kernel bodies left out."""
        stack: list[ast.AST] = list(reversed(self.func.body))
        while stack:
            node = stack.pop()
            if id(node) in self.cand.kernel_bodies:
                continue
            yield node
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element)
    elif isinstance(target, ast.Starred):
        yield from _names(target.value)


def _callee(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def _is_super(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super"


def _annotation(cand: Candidate, annotation: ast.expr) -> bool:
    """True for a ``torch.Tensor`` (or jax array) annotation, quoted or not."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value in _TENSOR_ANNOTATIONS or annotation.value == "Tensor"
    return (cand.qualname(annotation) or "") in _TENSOR_ANNOTATIONS
