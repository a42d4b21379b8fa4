"""``mkb show RUN TASK``: one answer's story from the store (verdict, failed phase, error, timings, flags,
and where its files are); ``--log`` prints its whole build log, ``--answer`` the model's answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from multikernelbench.cli.runs_cmd import StoreOption, open_existing
from multikernelbench.errors import UserError
from multikernelbench.records import EvalRecord, StoredVerdict
from multikernelbench.report.answers import AnswerRow, device_name
from multikernelbench.store import RunInfo, Store


def show(
    run: Annotated[str, typer.Argument(help="The run ('mkb runs' lists them).")],
    task: Annotated[str, typer.Argument(help="The task.")],
    sample: Annotated[int, typer.Option(min=0, help="Which answer to the task (0-based).")] = 0,
    turn: Annotated[int | None, typer.Option(min=1, help="Feedback turn (default: the last one).")] = None,
    log: Annotated[bool, typer.Option("--log", help="Print the whole build and check log.")] = False,
    answer: Annotated[bool, typer.Option("--answer", help="Print the model's answer as it came back.")] = False,
    store: StoreOption = None,
) -> None:
    """One answer's story: verdict, failed phase, error, timings, integrity flags and where its files are."""
    opened = open_existing(store)
    try:
        info, verdict = _find(opened, run, task, sample, turn)
        console = Console(highlight=False)
        if log:
            console.print(verdict.record.compile_info or _phase_logs(verdict.record) or "(no build log stored)",
                          markup=False, soft_wrap=True)
            return
        if answer:
            exchange = opened.exchange(run, task, verdict.sample, verdict.turn)
            if exchange is None or exchange.status != "ok":
                raise UserError(f"no answer stored for {task} sample {sample} turn {verdict.turn} of run '{run}'")
            console.print(exchange.text, markup=False, soft_wrap=True)
            return
        _story(console, opened, info, verdict)
    finally:
        opened.close()


def _find(store: Store, run: str, task: str, sample: int, turn: int | None) -> tuple[RunInfo, StoredVerdict]:
    info = next((r for r in store.runs() if r.name == run), None)
    if info is None:
        raise UserError(f"no run named '{run}' in {store.path}; 'mkb runs' lists them")
    verdicts = [v for v in store.verdicts(run) if v.task == task]
    if not verdicts:
        raise UserError(f"run '{run}' has no verdict for task '{task}'; 'mkb report {run} --answers-csv FILE' "
                        "lists its answers")
    of_sample = [v for v in verdicts if v.sample == sample]
    if not of_sample:
        samples = ", ".join(str(s) for s in sorted({v.sample for v in verdicts}))
        raise UserError(f"task '{task}' of run '{run}' has no sample {sample}; its samples: {samples}")
    if turn is None:
        return info, max(of_sample, key=lambda v: v.turn)
    chosen = next((v for v in of_sample if v.turn == turn), None)
    if chosen is None:
        turns = ", ".join(str(v.turn) for v in sorted(of_sample, key=lambda v: v.turn))
        raise UserError(f"sample {sample} of task '{task}' has no turn {turn}; its turns: {turns}")
    return info, chosen


def _phase_logs(record: EvalRecord) -> str:
    return "\n".join(str(p.detail.get("log") or p.detail.get("traceback") or "") for p in record.phases).strip()


def _story(console: Console, store: Store, info: RunInfo, verdict: StoredVerdict) -> None:
    record = verdict.record
    row = AnswerRow(info, verdict)
    say = lambda text: console.print(text, markup=False, soft_wrap=True)  # noqa: E731
    say(f"{verdict.category}/{verdict.task} sample {verdict.sample} turn {verdict.turn} of run '{info.name}' "
        f"({info.model}, {info.backend}, {info.strategy})")
    phase = f", failed in {record.failed_phase}" if record.failed_phase else ""
    failure = f" ({record.failure})" if record.failure else ""
    say(f"verdict: {row.verdict_word}{phase}{failure}; mode {record.mode}")
    if record.error:
        lines = record.error.strip().splitlines()
        say("error: " + "\n       ".join(lines[:12]) + ("\n       ..." if len(lines) > 12 else ""))
    if record.correctness_info:
        say(f"check: {record.correctness_info.strip()[:1500]}")
    for flag in record.integrity_flags:
        say(f"integrity flag ({record.integrity}): {flag.check} at {flag.where}: {flag.why}")
    for name, stats in (("candidate", record.runtime), ("eager", record.baseline),
                        ("torch.compile", record.compile_baseline)):
        if stats is not None:
            say(f"{name:>13}: median {stats.median:.4g} ms (min {stats.min:.4g}, max {stats.max:.4g}, "
                f"{stats.num_trials} trials)")
    if record.speedup is not None:
        interval = record.speedup_interval
        within = f" [{interval[0]:.2f}x, {interval[1]:.2f}x] 95% interval" if interval else ""
        compiled = f"; over torch.compile {record.speedup_compile:.2f}x" if record.speedup_compile else ""
        say(f"speedup over eager {record.speedup:.2f}x{within}{compiled}")
    for warning in record.timing_warnings:
        say(f"timing warning: {warning}")
    say("phases: " + ", ".join(f"{p.phase} {'ok' if p.ok else 'failed'} {p.seconds:.1f} s" for p in record.phases))
    device = device_name(record)
    hardware = record.hardware or {}
    # A cluster's verdict names its lane (node/device); a local one its host.
    where = hardware.get("lane") or hardware.get("node")
    say(f"seed {record.seed}" + (f", on {device}" if device else "") + (f" ({where})" if where else ""))
    say(f"stored in {store.path}")
    build = _build_folder(info, record)
    if build is not None:
        say(f"build folder: {build}" + ("" if build.is_dir() else " (no longer there)"))
    more = [f"mkb show {info.name} {verdict.task} --sample {verdict.sample} --turn {verdict.turn} --log"]
    if store.exchange(info.name, verdict.task, verdict.sample, verdict.turn) is not None:
        more.append("... --answer")
    say("more: " + "; ".join(more) + f"; a page per answer: mkb report {info.name} --html DIR")


def _build_folder(info: RunInfo, record: EvalRecord) -> Path | None:
    """Where the answer was built: <cache>/builds/<backend>/<digest[:24]>, from the extract phase's digest."""
    digest = next((p.detail.get("digest") for p in record.phases if p.phase == "extract"), None)
    cache = info.config.get("cache_dir") if isinstance(info.config, dict) else None
    if not digest or not cache:
        return None
    return Path(cache) / "builds" / info.backend / str(digest)[:24]
