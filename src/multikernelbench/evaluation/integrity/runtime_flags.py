"""Reading the runner's account of one ``forward`` call into integrity flags, in the judge.

The runner reports which PyTorch operators computed inside ``forward`` (from
its dispatch trace), how many of the answer's own kernels launched, the
threads it left behind and the types it returned. Each finding becomes an
:class:`~multikernelbench.records.IntegrityFlag` with the operator and the
answer's line where there is one.
"""

from __future__ import annotations

from typing import Any

from multikernelbench.records import IntegrityFlag


def call_flags(reply: dict[str, Any], call_number: int) -> list[IntegrityFlag]:
    """Flags from the runner's reply to one checked call (``call_number`` counts from 1)."""
    flags = []
    for op, count, where in _rows(reply.get("ops")):
        place = f"{where} ({op})" if where else op
        times = f"{count} time{'s' if count != 1 else ''}"
        flags.append(IntegrityFlag("runtime_torch_op", place, f"PyTorch computed {op} inside forward ({times} in "
                                   f"call {call_number}): the answer must compute in its own kernels", "runtime"))
    launches = reply.get("own_kernel_launches")
    if reply.get("per_call_count") and launches == 0:
        flags.append(IntegrityFlag("own_kernel_not_run", f"call {call_number}",
                                   "forward ran none of the answer's own kernels", "runtime"))
    leaked = reply.get("python_threads_left") or []
    if leaked:
        flags.append(IntegrityFlag("thread_leak", f"call {call_number}", "forward returned with threads it started "
                                   f"still running ({', '.join(map(str, leaked))[:200]})", "runtime"))
    elif call_number > 1 and isinstance(reply.get("os_threads_grew"), int) and reply["os_threads_grew"] > 0:
        flags.append(IntegrityFlag("thread_leak", f"call {call_number}", f"{reply['os_threads_grew']} more threads "
                                   "exist after this call than after the first: work may go on after it returns",
                                   "runtime"))
    types = reply.get("output_types") or []
    if types:
        flags.append(IntegrityFlag("output_not_plain", f"call {call_number}", "forward returned "
                                   f"{', '.join(map(str, types))[:200]}, not plain tensors", "runtime"))
    return flags


def check_end_flags(last_reply: dict[str, Any]) -> list[IntegrityFlag]:
    """Flags known only after all checked calls: a kernel counted cumulatively that never launched."""
    if last_reply.get("per_call_count") is False and last_reply.get("own_kernel_total") == 0:
        return [IntegrityFlag("own_kernel_not_run", "check", "none of the answer's own kernels ran in any checked "
                              "call", "runtime")]
    return []


def unique(flags: list[IntegrityFlag]) -> list[IntegrityFlag]:
    """Flags without repeats of the same check at the same place (the same operator seen in every call)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for flag in flags:
        key = (flag.check, flag.where.split(" (call")[0] if flag.check != "runtime_torch_op" else flag.where)
        if flag.check in ("own_kernel_not_run", "thread_leak", "output_not_plain"):
            key = (flag.check, "")
        if key not in seen:
            seen.add(key)
            kept.append(flag)
    return kept


def _rows(value: Any) -> list[tuple[str, int, str]]:
    rows = []
    for row in value if isinstance(value, list) else []:
        if isinstance(row, list) and len(row) == 3:
            rows.append((str(row[0])[:100], int(row[1]) if isinstance(row[1], int) else 0, str(row[2])[:100]))
    return rows
