"""Errors a user can fix: the CLI prints their message as one line and exits non-zero."""


class UserError(Exception):
    """Bad input from the user (unknown task, missing file, unavailable backend...).

    The message must be one line that says what to do.
    """


class TaskError(UserError):
    """The task itself cannot be judged: its reference failed, or did not fit the limits, before any answer ran.

    Never a verdict on an answer. ``too_big`` marks a task that runs but not within this machine's memory or
    time limits (smaller sizes would fix it); otherwise the task file is broken. The message is one line that
    names the task file and says what to do.
    """

    def __init__(self, message: str, task: str = "", too_big: bool = False) -> None:
        super().__init__(message)
        self.task = task
        self.too_big = too_big


class ClusterLost(UserError):
    """The cluster a run evaluates on cannot be reached, or has no lane left that can serve its backend.

    The run stops (verdicts so far are stored; the rest stays pending for the same command run again).
    """


class EvaluationLost(UserError):
    """An answer's evaluation was lost with its lane (its process or node died) on every attempt.

    Not a verdict on the answer: it gets none (a run keeps its answer for the next run of the same command).
    """
