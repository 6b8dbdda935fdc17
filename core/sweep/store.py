"""The sweep file: JSON lines, one complete result per line, appended crash-safely and guarded by a lock.

An append is one write of a whole line, then flush and fsync, so a kill or power cut can at worst leave a torn
last line; `open()` finds it, truncates it away and says so. A lock file (fcntl.flock, released by the kernel when
the process dies, even by SIGKILL) keeps two sweeps off one file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core.atomic import LockHeld, lock_with_pid
from core.errors import UserError
from core.report.result_file import _clean
from core.runspec import RunOptions


class SweepFileError(UserError, ValueError):
    """A sweep file that cannot be opened, read or locked; the message says which and what to do."""


def point_key(
    model: str,
    setting: str,
    options: RunOptions | dict[str, Any],
    dataset: str | None,
    weights: str | None = None,
    board: str | None = None,
) -> str:
    """What makes two points the same measurement: model, setting, every run option, the evaluation set, the
    weights (random weights are another measurement than pretrained ones) and, in a fleet, the board kind."""
    opts = asdict(options) if isinstance(options, RunOptions) else dict(options)
    parts: list[Any] = [model, setting, dataset, sorted(opts.items())]
    if weights is not None:
        parts.append(weights)
    if board is not None:
        parts.append({"board": board})
    return json.dumps(parts, separators=(",", ":"))


def parse_lines(data: bytes) -> tuple[list[dict[str, Any]], int, str | None]:
    """The complete records in `data`, the byte length they span, and a note about what was dropped (or None).

    A last line without its newline is torn (the writer died mid-write); a complete line that is not a JSON
    object is skipped with a note, so one bad line never hides the others.
    """
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    end = data.rfind(b"\n") + 1
    if end < len(data):
        notes.append(f"a torn last line ({len(data) - end} bytes, a sweep cut mid-write) was dropped")
    for number, line in enumerate(data[:end].splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            record = None
        if isinstance(record, dict):
            records.append(record)
        else:
            notes.append(f"line {number} is not a JSON object and was skipped")
    return records, end, "; ".join(notes) or None


def read_sweep(path: str | Path) -> tuple[list[dict[str, Any]], str | None]:
    """Read a sweep file without changing it (a torn last line is left for the writer): records and a note."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SweepFileError(
            f"no sweep file at {path}; start one with `tocompress sweep --out {path}`"
        ) from None
    except OSError as exc:
        raise SweepFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    records, _, note = parse_lines(data)
    return records, note


class SweepStore:
    """The sweep file held by one writer: `open()` locks it and repairs a torn tail; `append()` adds a point."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.records: list[dict[str, Any]] = []
        self.note: str | None = None  # what open() repaired, to tell the user
        self._lock_fd: int | None = None
        self._fd: int | None = None

    def open(self) -> SweepStore:
        """Lock, read what is there, drop a torn last line (truncate), and open for appending."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            self.close()
            raise SweepFileError(
                f"cannot open {self.path}: {exc.strerror or exc}; choose another --out"
            ) from None
        data = b""
        while chunk := os.read(fd, 1 << 20):
            data += chunk
        self.records, end, self.note = parse_lines(data)
        if end < len(data):
            os.ftruncate(fd, end)
            os.fsync(fd)
        os.lseek(fd, 0, os.SEEK_END)
        self._fd = fd
        return self

    def _lock(self) -> None:
        try:
            self._lock_fd = lock_with_pid(self.lock_path)
        except LockHeld as held:
            raise SweepFileError(
                f"another sweep (pid {held.holder}) is writing {self.path}; wait for it, or choose another --out"
            ) from None

    def done_keys(self) -> set[str]:
        """Keys of the points already in the file."""
        return {str(r["sweep"]["key"]) for r in self.records if isinstance(r.get("sweep"), dict)}

    def find(self, key: str) -> dict[str, Any] | None:
        return next((r for r in self.records if (r.get("sweep") or {}).get("key") == key), None)

    def append(self, record: dict[str, Any]) -> None:
        """Add one record as one whole line: a single write, then fsync, so a crash leaves it whole or torn."""
        if self._fd is None:
            raise SweepFileError(f"{self.path} is not open for writing")
        line = (json.dumps(_clean(record), allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")
        view = memoryview(line)
        while view:  # os.write to a regular file writes it all at once; the loop only guards a short write
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)
        self.records.append(record)

    def close(self) -> None:
        for name in ("_fd", "_lock_fd"):
            fd = getattr(self, name)
            if fd is not None:
                os.close(fd)  # closing the lock file's descriptor releases the flock
                setattr(self, name, None)

    def __enter__(self) -> SweepStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
