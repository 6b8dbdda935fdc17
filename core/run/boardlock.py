"""One measurement on a board at a time: a lock file holding the pid of the process that measures.

Two dashboards (two browser tabs of `tocompress serve`, or a terminal beside them) measuring at once would each
see the other's load in their latency and power. The lock is fcntl.flock on a file: the kernel drops it when its
holder dies, even by SIGKILL, so a lock left by a dead pid is simply taken over; the pid written inside only names
the holder in the message. One file per user (a file in /tmp owned by another user cannot be opened for writing
where protected_regular is on); $TOCOMPRESS_LOCK_FILE points elsewhere (tests, a shared path on a board).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from core.atomic import LockHeld, lock_with_pid
from core.errors import UserError


class BoardBusyError(UserError, RuntimeError):
    """Another process measures on this board; the message names its pid and what to do."""


def default_lock_path() -> Path:
    override = os.environ.get("TOCOMPRESS_LOCK_FILE")
    if override:
        return Path(override)
    return Path(tempfile.gettempdir()) / f"tocompress-measure-{os.getuid()}.lock"


class MeasureLock:
    """`acquire()` takes the board or raises BoardBusyError; `release()` gives it back (also on process death)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_lock_path()
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> MeasureLock:
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fd = lock_with_pid(self.path)  # not inherited by the worker processes
        except LockHeld as held:
            raise BoardBusyError(
                f"another tocompress (pid {held.holder}) is measuring on this board; wait until its run ends "
                "(two runs at once would measure each other's load)"
            ) from None
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def holder_pid(self) -> int | None:
        """The pid written by the last holder (it may be dead: the flock, not the pid, decides)."""
        try:
            return int(self.path.read_text().strip())
        except (OSError, ValueError):
            return None

    def __enter__(self) -> MeasureLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


__all__ = ["BoardBusyError", "MeasureLock", "default_lock_path"]
