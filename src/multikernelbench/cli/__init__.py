"""The ``mkb`` command line: the only layer that prints for people.

Errors a user can fix print as one line on stderr with a non-zero exit code;
no traceback reaches the user for bad input.
"""

from __future__ import annotations

import os
import sys
import threading

import typer

from multikernelbench.cli import baseline_cmd, eval_cmd, prompt_cmd, report_cmd, run_cmd, runs_cmd, show_cmd, tasks_cmd
from multikernelbench.errors import UserError

app = typer.Typer(
    name="mkb",
    help="multikernelbench: evaluate LLM-written deep-learning kernels against PyTorch references.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("tasks")(tasks_cmd.tasks)
app.command("eval")(eval_cmd.evaluate)
app.command("run")(run_cmd.run)
app.command("prompt")(prompt_cmd.prompt)
app.command("report")(report_cmd.report)
app.command("baseline")(baseline_cmd.baseline)
app.add_typer(runs_cmd.app, name="runs")
app.command("show")(show_cmd.show)

# Recent typer vendors its own click; take the exception classes from typer itself.
_USAGE_ERROR = typer.BadParameter.__mro__[1]
_CLICK_EXCEPTION = typer.BadParameter.__mro__[2]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mkb`` console script."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="mkb", standalone_mode=False)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _USAGE_ERROR as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # help was printed for a bare command
            return 0
        ctx = exc.ctx  # type: ignore[attr-defined]
        where = f"mkb {ctx.info_name} --help" if ctx is not None and ctx.parent is not None else "mkb --help"
        print(f"error: {exc.format_message()} (see '{where}')", file=sys.stderr)  # type: ignore[attr-defined]
        return EXIT_USAGE
    except _CLICK_EXCEPTION as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)  # type: ignore[attr-defined]
        return exc.exit_code  # type: ignore[attr-defined]
    except (typer.Abort, KeyboardInterrupt):
        result = EXIT_INTERRUPTED
    if result == EXIT_INTERRUPTED:  # typer turns Ctrl-C into exit code 130 itself
        print("interrupted: finished results are stored; run the same command again to resume", file=sys.stderr)
        if threading.active_count() > 1:
            # Worker threads may be waiting minutes for a model's answer, and Python would join them at exit.
            # Every result is already committed (and child workers die with us), so leave at once.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
