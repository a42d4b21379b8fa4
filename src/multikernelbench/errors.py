"""Errors a user can fix: the CLI prints their message as one line and exits non-zero."""


class UserError(Exception):
    """Bad input from the user (unknown task, missing file, unavailable backend...).

    The message must be one line that says what to do.
    """
