"""The base of every error a user can cause and fix (a bad setting, an unknown model, a missing dataset or sensor).

Front ends catch UserError and show its message as one line, without a traceback; anything else is a bug and keeps
its traceback. Each subclass also keeps its builtin base (ValueError, RuntimeError), so `except ValueError` code
still works. Python 3.6-compatible: the TX2 runner imports it.
"""


class UserError(Exception):
    """An error the user can fix; str() is the complete one-line message, saying what happened and what to do."""
