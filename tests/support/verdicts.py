"""Readable verdicts for assertion messages: pytest cuts a record's repr short, and a failure far from
home (a loaded CI machine) must say at once which phase failed, why, and which check fired."""

from __future__ import annotations

from multikernelbench.records import EvalRecord


def why_not_passed(record: EvalRecord) -> str:
    """The failed phase, the error's last lines, the integrity flags and the mismatch, on a few lines."""
    lines = [f"{record.task} on {record.backend}: failed_phase={record.failed_phase} compiled={record.compiled} "
             f"correctness={record.correctness}"]
    if record.error:
        lines.append("error: " + "\n".join(record.error.strip().splitlines()[-12:]))
    for flag in record.integrity_flags:
        lines.append(f"flag {flag.check} at {flag.where} ({flag.stage}): {flag.why}")
    if record.correctness_info:
        lines.append(f"correctness_info: {record.correctness_info[-800:]}")
    for phase in record.phases:
        lines.append(f"phase {phase.phase}: ok={phase.ok} {phase.seconds:.1f} s failure={phase.failure}")
    return "\n".join(lines)
