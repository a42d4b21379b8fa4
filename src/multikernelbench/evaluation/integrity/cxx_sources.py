"""Static checks on the C++/CUDA source strings that an answer hands to ``load_inline``.

A C++ answer can cheat where the Python scanner cannot see: ``return torch::matmul(a, b);`` inside the
extension is PyTorch doing the work, and ``std::thread`` or ``socket(`` escape the worker. The strings
are found in the module (every string that looks like C++, plus whatever the ``cpp_sources`` and
``cuda_sources`` arguments name), comments and string literals are blanked (keeping every newline, so
line numbers hold) and the code is matched against short patterns. Allocation, views, metadata,
``TORCH_CHECK``, OpenMP and ``at::parallel_for`` are what a legitimate kernel uses, and pass.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from multikernelbench.evaluation.integrity.vocabulary import (
    DYNAMIC_CODE,
    HARNESS_PATCH,
    SIDE_CHANNEL,
    STREAM,
    THREADS_OR_PROCESSES,
    TORCH_COMPUTE,
)

# (check, line inside the string, why)
CxxFinding = tuple[str, int, str]

_LOOKS_LIKE_CXX = re.compile(r"#\s*include|__global__|\btorch::|\bat::|PYBIND11_MODULE|TORCH_LIBRARY")
_INCLUDE_LINE = re.compile(r"^[ \t]*#[ \t]*include[^\n]*", re.MULTILINE)
_SOURCE_KEYWORDS = ("cpp_sources", "cuda_sources", "sycl_sources")

# torch::X( / at::X( / at::native::X( / torch::nn::functional::X<T>( ...
_QUALIFIED_CALL = re.compile(r"\b(torch|at)((?:\s*::\s*\w+)+)\s*(?:<[^<>;(){}]*>\s*)?\(")
_COMPUTE_NAMESPACES = frozenset({"nn", "native", "linalg", "special", "fft", "cpu"})
_ALLOWED_FUNCTIONS = frozenset(
    {"empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones", "ones_like", "full", "full_like",
     "from_blob", "tensor", "scalar_tensor", "arange", "get_num_threads", "set_num_threads", "get_thread_num",
     "in_parallel_region", "parallel_for", "parallel_reduce", "init_num_threads", "ceil_div", "device", "dtype",
     "device_of", "elementSize", "globalContext", "requires_grad", "layout", "toString"}
)
_ALLOWED_PREFIXES = ("check", "assert", "is_", "has_", "empty_")
_COMPUTE_METHOD = re.compile(
    r"(?:\.|->)\s*(matmul|mm|bmm|mv|addmm_?|baddbmm|sum|mean|prod|softmax|log_softmax|relu_?|gelu|sigmoid_?"
    r"|cumsum|cumprod|amax|amin|argmax|argmin|logsumexp|var|std|norm|topk|clamp_?|clamp_min|clamp_max"
    r"|masked_fill_?|index_select|gather|scatter_?|add_?|sub_?|mul_?|div_?|addcmul_?|addcdiv_?|lerp_?"
    r"|conv2d|linear|einsum)\s*\("
)
# After `using namespace torch;` (or at), ATen functions can be called unqualified.
_USING_ATEN = re.compile(r"\busing\s+namespace\s+(?:torch|at)\s*;")
_DEFINITION = re.compile(r"\b(\w+)\s*\([^;{}()]*\)\s*(?:const\s*)?\{")
_UNQUALIFIED_COMPUTE = re.compile(
    r"(?<![\w.>:])(matmul|mm|bmm|addmm|baddbmm|einsum|linear|conv[123]d|conv_transpose[123]d|softmax"
    r"|log_softmax|relu|gelu|silu|layer_norm|batch_norm|group_norm|max_pool2d|avg_pool2d|cumsum|logsumexp"
    r"|scaled_dot_product_attention|embedding)\s*\("
)
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (THREADS_OR_PROCESSES, re.compile(r"\bstd\s*::\s*(?:j?thread\b(?!\s*::)|async\b)"), "starts a thread"),
    (THREADS_OR_PROCESSES,
     re.compile(r"\b(?:pthread_create|v?fork|popen|system|exec[lv]p?e?|posix_spawnp?)\s*\("),
     "starts a thread or a process"),
    (THREADS_OR_PROCESSES, re.compile(r"\b(?:at|torch)\s*::\s*launch\s*\("), "runs work on another thread"),
    (SIDE_CHANNEL, re.compile(r"\b(?:socket|connect|sendto)\s*\("), "opens a network socket"),
    (SIDE_CHANNEL, re.compile(r"\b(?:std\s*::\s*)?o?fstream\b"), "writes a file"),
    (SIDE_CHANNEL, re.compile(r"(?<![\w.>:])open\s*\("), "opens a file"),
    (STREAM,
     re.compile(r"\b(?:cudaStreamCreate\w*|getStreamFromPool|getStreamFromExternal|cudaStreamNonBlocking"
                r"|cudaStreamPerThread|cudaLaunchHostFunc|cudaStreamAddCallback|setCurrentCUDAStream"
                r"|CUDAStreamGuard)\b"),
     "creates or selects a non-default CUDA stream"),
    (HARNESS_PATCH,
     re.compile(r"\b(?:dup2?|kill|_exit|dlopen|dlsym|setenv|putenv|unsetenv|ptrace)\s*\("),
     "reaches into the process running it"),
    (DYNAMIC_CODE, re.compile(r"\bpy\s*::\s*(?:exec|eval|module_?\s*::\s*import)\b|\bPyRun_\w+"),
     "runs Python code from C++"),
)
_FOPEN = re.compile(r"\bfopen\s*\(\s*[^,;]*,\s*\"([^\"]*)\"")


def cxx_strings(tree: ast.Module, resolve_name: dict[str, ast.expr]) -> Iterator[tuple[int, str]]:
    """Every C++/CUDA source string in the module, as (Python line where it starts, text), once each.

    A string counts when it looks like C++ or when it reaches ``load_inline``'s source arguments
    (directly, through a name bound to it, a list or a concatenation).
    """
    handed: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee_name(node.func) == "load_inline":
            args = [kw.value for kw in node.keywords if kw.arg in _SOURCE_KEYWORDS] + node.args[1:3]
            handed.extend(_string_nodes(args, resolve_name))
    forced = {id(node) for node in handed}
    # The pieces of an f-string are read with it, not alone.
    seen = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in [*handed, *ast.walk(tree)]:
        text = _text(node) if id(node) not in seen else None
        if text is not None and (id(node) in forced or _LOOKS_LIKE_CXX.search(text)):
            seen.add(id(node))
            yield node.lineno, text


def scan_cxx(text: str) -> list[CxxFinding]:
    """What one C++/CUDA source does that an answer must not: ATen compute, threads, sockets, streams."""
    code_with_strings = _blank(text, blank_literals=False)
    # #include lines name headers (<fstream>, <thread>), which is not using them.
    code = _INCLUDE_LINE.sub(lambda m: " " * len(m.group(0)), _blank(text, blank_literals=True))
    findings: list[CxxFinding] = []
    aten = "the C++ source calls {}, PyTorch compute, instead of its own kernel code"
    for match in _QUALIFIED_CALL.finditer(code):
        path = [part.strip() for part in (match.group(1) + match.group(2)).split("::")]
        if _aten_computes(path):
            findings.append((TORCH_COMPUTE, _line(code, match.start()), aten.format("::".join(path))))
    for match in _COMPUTE_METHOD.finditer(code):
        method = f"the tensor method .{match.group(1)}()"
        findings.append((TORCH_COMPUTE, _line(code, match.start()), aten.format(method)))
    if _USING_ATEN.search(code):
        own = {match.group(1) for match in _DEFINITION.finditer(code)}  # the answer's own relu() is fine
        for match in _UNQUALIFIED_COMPUTE.finditer(code):
            if match.group(1) not in own:
                findings.append((TORCH_COMPUTE, _line(code, match.start()), aten.format(f"ATen's {match.group(1)}")))
    for check, pattern, why in _PATTERNS:
        for match in pattern.finditer(code):
            findings.append((check, _line(code, match.start()), f"the C++ source {why} ({match.group(0).strip()})"))
    for match in _FOPEN.finditer(code_with_strings):
        if set(match.group(1)) & set("wa+"):
            findings.append((SIDE_CHANNEL, _line(code, match.start()), "the C++ source opens a file for writing"))
    return findings


def _aten_computes(path: list[str]) -> bool:
    """True for an ATen/torch call that computes; allocation, helpers and CUDA plumbing pass."""
    if len(path) < 2:
        return False
    if path[1] in _COMPUTE_NAMESPACES:
        return True
    if len(path) > 2:  # at::cuda::getCurrentCUDAStream, at::vec::..., torch::indexing::Slice
        return False
    name = path[1]
    if name != name.lower() or name in _ALLOWED_FUNCTIONS or name.startswith(_ALLOWED_PREFIXES):
        return False  # types, constants (kFloat32) and camelCase helpers are not ATen operators
    return True


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _string_nodes(exprs: list[ast.expr], resolve_name: dict[str, ast.expr], depth: int = 0) -> Iterator[ast.expr]:
    """The string constants an argument is built from: names, lists and concatenations followed."""
    for expr in exprs:
        if depth > 8:
            return
        if isinstance(expr, (ast.Constant, ast.JoinedStr)):
            yield expr
        elif isinstance(expr, ast.Name) and expr.id in resolve_name:
            yield from _string_nodes([resolve_name[expr.id]], resolve_name, depth + 1)
        elif isinstance(expr, (ast.List, ast.Tuple)):
            yield from _string_nodes(list(expr.elts), resolve_name, depth + 1)
        elif isinstance(expr, ast.BinOp):
            yield from _string_nodes([expr.left, expr.right], resolve_name, depth + 1)


def _text(node: ast.AST) -> str | None:
    """The text of a string constant or f-string (formatted parts read as 0)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "0"
                       for part in node.values)
    return None


def _blank(text: str, *, blank_literals: bool) -> str:
    """``text`` with comments (and, if asked, string and char literal contents) replaced by spaces."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif text[i] in "\"'" and not (text[i] == "'" and i > 0 and text[i - 1].isalnum()):  # 1'000 separators
            end = _literal_end(text, i)
            if not blank_literals:
                out.append(text[i:end])
                i = end
                continue
            out.append(text[i] + _spaces(text[i + 1:end - 1]) + text[end - 1])
            i = end
            continue
        else:
            out.append(text[i])
            i += 1
            continue
        out.append(_spaces(text[i:end]))
        i = end
    return "".join(out)


def _literal_end(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text) and text[i] not in (quote, "\n"):
        i += 2 if text[i] == "\\" else 1
    return min(i + 1, len(text))


def _spaces(chunk: str) -> str:
    return "".join(c if c == "\n" else " " for c in chunk)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
