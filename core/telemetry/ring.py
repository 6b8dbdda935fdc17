"""A bounded numpy table of timestamped readings: what the Sampler fills and the panels and energy figures read.

Split from core.telemetry.sampler (which re-exports both names) so each module holds one job.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

_INITIAL_ROWS = 1024


@dataclass(frozen=True)
class Series:
    """One source's rows, oldest first: monotonic timestamps and one float64 column per reading (NaN = None)."""

    t: np.ndarray
    values: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.t)

    def latest(self, key: str) -> float | None:
        """The newest value of `key`, None when it is missing, was None, or there are no rows."""
        column = self.values.get(key)
        if column is None or len(column) == 0 or math.isnan(column[-1]):
            return None
        return float(column[-1])


class RingBuffer:
    """A bounded, growable table: rows are appended at one end and the oldest fall off once `capacity_rows` is hit.

    Storage starts small and doubles up to the capacity, so short runs do not pay for an hour's buffer. New keys add
    a column (NaN for earlier rows); keys a read leaves out are NaN in that row.
    """

    def __init__(self, capacity_rows: int) -> None:
        self.capacity_rows = max(2, int(capacity_rows))
        rows = min(self.capacity_rows, _INITIAL_ROWS)
        self._t = np.full(rows, np.nan)
        self._data = np.full((rows, 0), np.nan)
        self._keys: dict[str, int] = {}
        self._order: tuple[str, ...] = ()
        self._written = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._t.nbytes + self._data.nbytes

    def __len__(self) -> int:
        return min(self._written, self.capacity_rows)

    def append(self, t: float, readings: Mapping[str, float | None]) -> None:
        """Add one row; None values become NaN. A value that is not a number raises before anything is written."""
        keys = tuple(readings)
        row = [math.nan if v is None else float(v) for v in readings.values()]
        with self._lock:
            # The fast path: a source gives the same keys in the same order on every read.
            if keys != self._order:
                row = self._align(keys, row)
            if self._written == len(self._t) and len(self._t) < self.capacity_rows:
                self._grow()
            i = self._written % len(self._t)
            self._t[i] = t
            self._data[i] = row
            self._written += 1

    def _align(self, keys: tuple[str, ...], values: list[float]) -> list[float]:
        """Put values in column order, adding a column for each new key; missing keys are NaN."""
        for key in keys:
            if key not in self._keys:
                self._add_column(key)
        row = [math.nan] * len(self._keys)
        for key, value in zip(keys, values, strict=True):
            row[self._keys[key]] = value
        return row

    def last_row(self) -> dict[str, float | None]:
        """The newest row as a dict (None for NaN); empty before the first row."""
        with self._lock:
            if self._written == 0:
                return {}
            i = (self._written - 1) % len(self._t)
            return {
                key: None if math.isnan(v) else float(v)
                for key, v in zip(self._keys, self._data[i], strict=True)
            }

    def select(self, t0: float | None = None, t1: float | None = None, bracket: bool = False) -> Series:
        """Copy of the rows with t0 <= t <= t1 (open ends when None), plus one row either side when `bracket`."""
        with self._lock:
            n = len(self)
            lo = 0 if t0 is None else self._search(t0, "left")
            hi = n if t1 is None else self._search(t1, "right")
            if bracket:
                lo, hi = max(0, lo - 1), min(n, hi + 1)
            idx = self._physical(lo, max(lo, hi))
            t = self._t[idx].copy()
            data = self._data[idx]
            return Series(t, {key: data[:, j].copy() for key, j in self._keys.items()})

    def _add_column(self, key: str) -> int:
        self._keys[key] = self._data.shape[1]
        self._order = tuple(self._keys)
        self._data = np.hstack([self._data, np.full((len(self._t), 1), np.nan)])
        return self._keys[key]

    def _grow(self) -> None:
        rows = min(2 * len(self._t), self.capacity_rows)
        t = np.full(rows, np.nan)
        t[: len(self._t)] = self._t
        data = np.full((rows, self._data.shape[1]), np.nan)
        data[: len(self._data)] = self._data
        self._t, self._data = t, data

    def _head(self) -> int:
        """Physical index of the oldest row."""
        return self._written % self.capacity_rows if self._written > self.capacity_rows else 0

    def _physical(self, lo: int, hi: int) -> np.ndarray | slice:
        head = self._head()
        if head == 0:
            return slice(lo, hi)
        return (np.arange(lo, hi) + head) % self.capacity_rows

    def _search(self, t: float, side: Literal["left", "right"]) -> int:
        """Logical index where `t` would go; timestamps are sorted in logical (oldest-first) order."""
        head = self._head()
        n = len(self)
        if head == 0:
            return int(np.searchsorted(self._t[:n], t, side=side))
        older = self._t[head:]
        i = int(np.searchsorted(older, t, side=side))
        if i < len(older):
            return i
        return len(older) + int(np.searchsorted(self._t[:head], t, side=side))
