"""Reading build logs for people: the compiler's own first errors, without command lines or unrelated noise.

A failed ``load_inline`` build leaves a log made mostly of ninja's echo of
each compiler command line (hundreds of characters each, printed twice), with
the compiler's diagnostics somewhere inside. :func:`compiler_errors` finds the
diagnostics of gcc/g++/clang (``file:line:col: error: ...``), nvcc
(``file(line): error: ...``, ``nvcc fatal : ...``) and the linker, each with
the source line and caret the compiler printed under it; failing those, the
output of the step ninja reports as ``FAILED:``; failing that, the answer's own
frame of a Python traceback. :func:`strip_noise` drops warnings that say
nothing about the answer (torch's "Failed to initialize NumPy").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# gcc/clang "path:line[:col]: [fatal ]error: msg", nvcc/EDG "path(line): error[ #n]: msg", the drivers'
# own "c++: error: ..." and "collect2: error: ...". The location has no spaces, so torch's one-line
# "RuntimeError: Error building extension 'x': [1/2] c++ ..." never matches.
_DIAGNOSTIC = re.compile(
    r"^\S+?(?::\d+(?::\d+)?|\(\d+\))?: (?:fatal |catastrophic |internal compiler )?error(?: #[\w-]+)?: \S")
# Messages that are errors though they do not say "error:": nvcc's driver, the linker.
_TOOL_ERROR = re.compile(r"^nvcc fatal\s*:|undefined reference to |^(?:\S*/)?ld(?:\.\w+)?: (?!warning)")
# A line of ninja's: a step starting ("[1/3] ..."), failing ("FAILED: [code=1] main.o"), or giving up.
_NINJA_STEP = re.compile(r"^\[\d+/\d+\] ")
_NINJA_FAILED = re.compile(r"^FAILED: ")
_NINJA_STOPPED = re.compile(r"^ninja: ")
# An echoed compiler or linker command line.
_COMMAND = re.compile(r"^(?:\S*/)?(?:c\+\+|g\+\+|gcc|cc|clang\+\+|clang|nvcc|ld|hipcc)(?:-[\d.]+)?\s+-")
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line \d+')
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$")
# torch puts ninja's whole output after "Error building extension 'name':" on the same line.
_BUILD_EXTENSION = re.compile(r"^(.*?Error building extension '[^']*')")
# Path prefixes a reader does not need: a build's private folder (keyed by a hash), site-packages.
_BUILD_FOLDER = re.compile(r"[^\s'\"‘’`(]*/torch_extensions/[^/\s]+/")
_CANDIDATE_FOLDER = re.compile(r"[^\s'\"‘’`(]*/(?=candidate\.py\b)")
_SITE_PACKAGES = re.compile(r"[^\s'\"‘’`(]*/(?:site|dist)-packages/")
# torch's warning when NumPy is missing or built for another major version (one line, then its source line).
_NUMPY_WARNING = re.compile(r"UserWarning: Failed to initialize NumPy")
_CONTEXT_LINES = 4  # gcc prints at most the source line, the caret and a fix-it hint under an error
_FALLBACK_LINES = 8
_HEADLINE_CHARS = 300
#: What the evaluator names the answer's module file (a frame there is the answer's own code).
CANDIDATE_FILE = "candidate.py"


def compiler_errors(log: str) -> list[str]:
    """Every error in ``log``, in order and once each, as blocks of lines ready to print.

    A block is one diagnostic with the indented lines the compiler printed under it (source
    line, caret, fix-it), paths inside the build folder cut to the file name. With no
    compiler or linker error, the output of the step ninja reports as ``FAILED:`` (without
    the echoed command line); with neither, the answer's frame of the last Python traceback
    and its exception line. An empty list when nothing is recognised.
    """
    lines = strip_noise(log).splitlines()
    for finder in (_diagnostics, _failed_steps, _python_error):
        blocks = _unique(shorten_paths(block) for block in finder(lines))
        if blocks:
            return blocks
    return []


def first_errors(log: str, limit: int = 3) -> list[str]:
    """The first ``limit`` blocks of :func:`compiler_errors`."""
    return compiler_errors(log)[:limit]


def headline(error: str) -> str:
    """The first line of an error, without the build output torch appends after "Error building extension 'x':"."""
    first = error.strip().splitlines()[0] if error.strip() else ""
    match = _BUILD_EXTENSION.match(first)
    if match:
        return match.group(1)
    return first if len(first) <= _HEADLINE_CHARS else first[: _HEADLINE_CHARS - 4] + " ..."


def strip_noise(log: str) -> str:
    """``log`` without torch's "Failed to initialize NumPy" warning (and the source line Python prints under it)."""
    kept: list[str] = []
    skipping = False
    for line in log.splitlines():
        if _NUMPY_WARNING.search(line):
            skipping = True
            continue
        if skipping and line[:1].isspace() and line.strip():
            continue  # the warning's source line ("  cpu = _conversion_method_template(...)")
        skipping = False
        kept.append(line)
    return "\n".join(kept) + ("\n" if log.endswith("\n") and kept else "")


def shorten_paths(text: str) -> str:
    """Paths in ``text`` as a reader needs them: a build's files by name, installed packages from the package."""
    text = _BUILD_FOLDER.sub("", text)
    text = _CANDIDATE_FOLDER.sub("", text)
    return _SITE_PACKAGES.sub("", text)


# ---- the finders, most specific first ----


def _diagnostics(lines: list[str]) -> list[str]:
    blocks = []
    for index, line in enumerate(lines):
        if _DIAGNOSTIC.match(line) or _TOOL_ERROR.search(line):
            blocks.append("\n".join([line.rstrip(), *_indented_after(lines, index)]))
    return blocks


def _indented_after(lines: list[str], index: int) -> list[str]:
    """The source line and caret under a diagnostic: the indented lines right after it."""
    context = []
    for line in lines[index + 1: index + 1 + _CONTEXT_LINES]:
        if not line.strip() or not line[:1].isspace():
            break
        context.append(line.rstrip())
    return context


def _failed_steps(lines: list[str]) -> list[str]:
    """For each ``FAILED:`` step of ninja: that line and what the step printed, less its command line."""
    blocks = []
    for index, line in enumerate(lines):
        if not _NINJA_FAILED.match(line):
            continue
        output = []
        for follow in lines[index + 1:]:
            if _NINJA_STEP.match(follow) or _NINJA_FAILED.match(follow) or _NINJA_STOPPED.match(follow):
                break
            if follow.strip() and not _COMMAND.match(follow):
                output.append(follow.rstrip())
        blocks.append("\n".join([line.rstrip(), *output[:_FALLBACK_LINES]]))
    return blocks


def _python_error(lines: list[str]) -> list[str]:
    """The last traceback's frame in the answer's module (else its last frame), and the exception it ended with."""
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last):")]
    if not starts:
        return []
    section = lines[starts[-1] + 1:]
    frames = [i for i, line in enumerate(section) if _FRAME.match(line)]
    if not frames:
        return []
    own = [i for i in frames if _frame_file(section[i]).endswith(CANDIDATE_FILE)]
    chosen = (own or frames)[-1]
    code = []
    for line in section[chosen + 1:]:
        if not line.strip() or not line[:1].isspace() or _FRAME.match(line):
            break
        code.append(line.rstrip())
    block = [section[chosen].strip(), *code[:_CONTEXT_LINES]]
    exception = next((line for line in section[frames[-1] + 1:] if _EXCEPTION.match(line)), None)
    if exception is not None:
        block.append(exception.rstrip())
    return ["\n".join(block)]


def _frame_file(line: str) -> str:
    match = _FRAME.match(line)
    return match.group("file") if match else ""


def _unique(blocks: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for block in blocks:
        if block not in seen:
            seen.append(block)
    return seen
