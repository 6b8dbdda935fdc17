"""The command line: one module per sub-command (run, sweep, fetch, models/sensors/compare listings), plus the
shared option parsing and pre-flight checks; `main` dispatches."""

from tui.cli.main import main

__all__ = ["main"]
