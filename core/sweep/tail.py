"""Read a growing sweep file a piece at a time: only the new complete lines, so a viewer polling it every second
costs the size of what arrived, not of the whole file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.sweep.store import parse_lines


class FileTail:
    """New complete lines of a growing file, read from where the last call stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def read(self) -> tuple[list[dict[str, Any]], bool]:
        """The new records, and whether the file shrank (so everything was read again from the start)."""
        reset = False
        try:
            with self.path.open("rb") as fh:
                size = fh.seek(0, 2)
                if size < self.offset:  # truncated (a torn tail dropped): read again from the start
                    self.offset, self.partial, reset = 0, b"", True
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return [], False
        self.offset += len(data)
        data = self.partial + data
        end = data.rfind(b"\n") + 1
        self.partial = data[end:]
        return parse_lines(data[:end])[0], reset
