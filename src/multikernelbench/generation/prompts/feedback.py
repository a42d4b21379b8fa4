"""Feedback turns: whether an evaluated answer deserves another turn, and the message that asks for it.

The message says what went wrong in the phase that failed (or how fast a
passing answer ran) in terms the model can act on: the compiler's error lines
without the build system's noise, the mismatch as the checker stated it, the
frames of the model's own module in a traceback. It always ends by asking for
the complete corrected module in one fenced python block.
"""

from __future__ import annotations

import re
from typing import Any

from multikernelbench.evaluation.protocol import Failure
from multikernelbench.generation.prompts import render_template
from multikernelbench.records import EvalRecord, PhaseResult

# Lines worth showing from a build: compiler and linker errors, and Python exceptions.
_ERROR_LINE = re.compile(r"error|undefined reference|undefined symbol", re.IGNORECASE)
# Compiler command lines and ninja's own status lines: long or repeated, and never the cause.
_NOISE_LINE = re.compile(
    r"^\s*(\[\d+/\d+\]\s*)?(\S*/)?(c\+\+|g\+\+|gcc|cc|clang\+\+|clang|nvcc|ld)\s+-|^FAILED: |^ninja: "
)
# torch's "Error building extension 'x': [1/2] c++ -MMD ..." puts the whole command line after the colon.
_BUILD_COMMAND_TAIL = re.compile(r"(Error building extension '[^']*'):\s*\[\d+/\d+\].*$")
# An absolute path; group 1 is its directory part, group 2 the file name.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(/(?:[^\s/:'\"‘’`()]+/)+)([^\s/:'\"‘’`()]+)")
# Directories that belong to one build of one candidate: shown as the bare file name.
_BUILD_DIR = re.compile(r"torch_extensions|/builds?/|/tmp/|/var/folders/|mkb-|\.cache/")
# The evaluator writes the candidate module to this file name.
_CANDIDATE_FILE = "candidate.py"
_TRACEBACK_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (.+)$')
_MAX_FRAMES = 6
_MAX_ERROR_CHARS = 2000


def needs_another_turn(record: EvalRecord, target_speedup: float = 1.0) -> bool:
    """True when the answer failed, was flagged by the integrity check, or passed slower than ``target_speedup``.

    A passing answer that was not timed (timing disabled) is done: there is
    nothing to improve that was measured.
    """
    if not record.passed or _integrity_flag(record) is not None:
        return True
    speedup = record.speedup
    return speedup is not None and speedup < target_speedup


def feedback_message(record: EvalRecord, target_speedup: float = 1.0) -> str:
    """The user message that reports ``record`` to the model and asks for a corrected (or faster) module."""
    context: dict[str, Any] = {
        "kind": _kind(record, target_speedup),
        "error": _clean_error(record.error or ""),
        "details": "",
        "where": "",
        "mismatch": False,
        "flag": "",
        "sizes": _sizes(record.profile),
        "speedup": record.speedup,
        "speedup_compile": record.speedup_compile,
        "runtime_ms": record.runtime.median if record.runtime else None,
        "baseline_ms": record.baseline.median if record.baseline else None,
        "target": target_speedup,
    }
    kind = context["kind"]
    phase = _phase(record, kind)
    detail = phase.detail if phase is not None else {}
    traceback = str(detail.get("traceback") or "")
    if kind == "extract":
        context["error"] = context["error"] or record.compile_info.strip() or "no usable module was found"
    elif kind == "build":
        # The phase's error holds the full compiler output; compile_info is a shortened copy of it.
        raw = "\n".join(s for s in ((phase.error if phase else None) or record.compile_info, detail.get("log")) if s)
        context["details"] = trim_compiler_output(raw) or "(the build produced no output)"
        if "Error building extension" not in raw:
            context["where"] = _candidate_frames(traceback)  # a Python error while importing the module
    elif kind in ("check", "time"):
        text = _check_text(record) if kind == "check" else record.error or ""
        context["error"] = _clean_error(text) or f"the {kind} phase failed without an error message"
        context["mismatch"] = phase is not None and phase.failure == Failure.MISMATCH.value
        context["where"] = _candidate_frames(traceback)
        if not traceback and detail.get("log"):
            context["details"] = trim_compiler_output(str(detail["log"]), max_lines=15)  # the worker died
    # What the integrity checks flagged goes with any other finding: a wrong answer may also cheat.
    context["flag"] = _integrity_flag(record) or ""
    return render_template("feedback.md.j2", **context)


def trim_compiler_output(text: str, max_lines: int = 30, max_chars: int = 3000) -> str:
    """The part of a build log a model can act on.

    Keeps each line mentioning an error with up to two following indented lines
    (gcc's source line and caret), drops repeated error lines, command lines and the
    command line torch appends to its own error, and rewrites paths inside
    build directories to bare file names. With no error line, the log's tail.
    """
    lines = [_shorten_paths(_BUILD_COMMAND_TAIL.sub(r"\1", line.rstrip())) for line in text.splitlines()]
    lines = [line for line in lines if line.strip() and not _NOISE_LINE.match(line)]
    kept: list[str] = []
    seen: set[str] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        if _ERROR_LINE.search(line) and line.strip() not in seen:
            seen.add(line.strip())
            kept.append(line)
            # Context: gcc's indented source line and caret; a new diagnostic (warning, note) is not context.
            for follow in lines[index + 1: index + 3]:
                if not follow[:1].isspace() or _ERROR_LINE.search(follow):
                    break
                kept.append(follow)
                index += 1
        index += 1
    if not kept:
        kept = lines[-max_lines:]
    omitted = max(0, len(kept) - max_lines)
    result = "\n".join(kept[:max_lines])
    if omitted:
        result += f"\n... ({omitted} more lines)"
    if len(result) > max_chars:
        result = result[: max_chars - 4].rstrip() + "\n..."
    return result


def _check_text(record: EvalRecord) -> str:
    """What the check phase said: the record's error is the whole message, correctness_info a shortened copy."""
    error, info = (record.error or "").strip(), record.correctness_info.strip()
    if not info or info in error:
        return error
    if not error or error in info:
        return info
    return f"{error}\n{info}"


def _kind(record: EvalRecord, target_speedup: float) -> str:
    if _integrity_flag(record) is not None and record.failed_phase is None:
        return "integrity"
    if not record.passed:
        return record.failed_phase or ("check" if record.compiled else "build")
    speedup = record.speedup
    return "slow" if speedup is not None and speedup < target_speedup else "passed"


def _integrity_flag(record: EvalRecord) -> str | None:
    """What the integrity checks flagged, one finding per line, or None when nothing was flagged."""
    if not record.integrity_flags or record.integrity == "off":
        return None
    return "\n" + "\n".join(f"- {flag.describe()}" for flag in record.integrity_flags)


def _phase(record: EvalRecord, name: str) -> PhaseResult | None:
    return next((p for p in record.phases if p.phase == name), None)


def _sizes(profile: str) -> str:
    if profile == "full":
        return "at the sizes written in the reference file"
    return f"at the '{profile}' sizes, which differ from the constants written in the reference file"


def _clean_error(text: str) -> str:
    text = _shorten_paths(text.strip())
    if len(text) > _MAX_ERROR_CHARS:
        text = text[:_MAX_ERROR_CHARS].rstrip() + " ..."
    return text.rstrip(".")


def _shorten_paths(line: str) -> str:
    """Build-directory paths become bare file names; other absolute paths keep their part after include/."""

    def shorten(match: re.Match[str]) -> str:
        directory, name = match.group(1), match.group(2)
        if name == _CANDIDATE_FILE:
            return "your module"
        if _BUILD_DIR.search(directory):
            return name
        for marker in ("/include/", "/site-packages/", "/dist-packages/"):
            if marker in directory:
                return directory.rsplit(marker, 1)[1] + name
        return match.group(0)

    return _ABSOLUTE_PATH.sub(shorten, line)


def _candidate_frames(traceback: str) -> str:
    """The traceback frames inside the candidate module (with their source lines) and the exception line."""
    lines = traceback.rstrip().splitlines()
    frames: list[str] = []
    for index, line in enumerate(lines):
        match = _TRACEBACK_FRAME.match(line)
        if match and match.group(1).endswith(_CANDIDATE_FILE):
            frame = f"line {match.group(2)}, in {match.group(3)}"
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if following.strip() and not _TRACEBACK_FRAME.match(following):
                frame += f"\n    {following.strip()}"
            frames.append(frame)
    if not frames:
        return ""
    return "\n".join(frames[-_MAX_FRAMES:] + [_clean_error(lines[-1])])
