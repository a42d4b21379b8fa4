"""Finding the candidate module in a model's response text, statically (nothing is executed).

The rule is the published benchmark's: the first fenced code block, else the
whole text. A response with no code, a syntax error or no ``ModelNew`` gets a
verdict here rather than a crash later.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

# ``` or ~~~ fences with an optional language tag; the closing fence may be missing at the end of a truncated answer.
_FENCE = re.compile(r"^[ \t]*(```|~~~)[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Extraction:
    """The candidate source, or why there is none."""

    source: str | None
    error: str | None = None
    fenced: bool = False


def extract_candidate(response: str) -> Extraction:
    """Extract and statically validate the candidate module from ``response``."""
    if not response or not response.strip():
        return Extraction(None, "the response is empty: no code")
    match = _FENCE.search(response)
    fenced = match is not None
    if match:
        language, body = match.group(2).lower(), match.group(3)
        source = _from_json(body) if language == "json" else body
    else:
        source = response
    if not source.strip():
        return Extraction(None, "the first code block is empty: no code", fenced)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        if not fenced:
            return Extraction(None, "the response holds no code block and is not a Python module: no code", fenced)
        return Extraction(None, f"syntax error in the candidate at line {exc.lineno}: {exc.msg}", fenced)
    if "ModelNew" not in _top_level_names(tree):
        return Extraction(None, "the candidate defines no ModelNew at module level", fenced)
    return Extraction(source, None, fenced)


def _from_json(body: str) -> str:
    """A JSON block holding the module under "code" (or "source"); else the block itself."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict):
        for key in ("code", "source", "answer"):
            if isinstance(data.get(key), str):
                return data[key]
    return body


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            # ModelNew defined in a guarded block (e.g. a fallback import) still counts.
            names.update(_top_level_names(ast.Module(body=_block_bodies(node), type_ignores=[])))
    return names


def _block_bodies(node: ast.If | ast.Try) -> list[ast.stmt]:
    body = list(node.body) + list(node.orelse)
    if isinstance(node, ast.Try):
        body += [s for h in node.handlers for s in h.body] + list(node.finalbody)
    return body
