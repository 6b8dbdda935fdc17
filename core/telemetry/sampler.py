"""Samples every source on its own thread at its own rate into bounded numpy ring buffers.

One thread per source because sources differ by orders of magnitude (1 kHz sysfs power, 10 Hz psutil) and a slow
read must not hold back a fast one. The loop is drift-free (`next += period`) and skips ahead instead of bursting
when it falls behind. Buffers hold `rate * capacity_s` rows, so an hour-long run uses the same memory as a short one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.telemetry.base import Source
from core.telemetry.rate import achieved_rate_hz

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


@dataclass(frozen=True)
class SourceErrors:
    """How often a source's read raised, and the last message (kept short: a 1 kHz failure must not grow a list)."""

    count: int
    last: str


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


def next_tick(tick_s: float, now_s: float, period_s: float) -> float:
    """When the read after the one due at `tick_s` is due: one period on (no drift), skipping whole periods missed.

    A loop that fell behind (a slow read, a busy machine) resumes on its grid instead of bursting back-to-back
    reads to catch up, which would crowd the buffer with samples bunched in time.
    """
    next_s = tick_s + period_s
    behind_s = now_s - next_s
    if behind_s > period_s:
        next_s += period_s * math.floor(behind_s / period_s)
    return next_s


class Sampler:
    """Runs each source on its own thread at its rate; live panels read `snapshot()`, energy reads `window()`."""

    def __init__(
        self,
        sources: Iterable[Source],
        rates_hz: Mapping[str, float] | None = None,
        capacity_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sources = list(sources)
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError(f"two telemetry sources share a name in {names}; give each source once")
        rates = dict(rates_hz or {})
        self.rates_hz = {s.name: float(rates.get(s.name, s.default_rate_hz)) for s in self.sources}
        for name, rate in self.rates_hz.items():
            if not rate > 0:
                raise ValueError(f"sampling rate for {name!r} must be > 0 Hz, got {rate}")
        self.capacity_s = capacity_s
        self._clock = clock
        self._buffers = {
            name: RingBuffer(math.ceil(rate * capacity_s)) for name, rate in self.rates_hz.items()
        }
        self._errors: dict[str, SourceErrors] = {}
        self._errors_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._closed: set[str] = set()
        self._close_lock = threading.Lock()

    @property
    def errors(self) -> dict[str, SourceErrors]:
        with self._errors_lock:
            return dict(self._errors)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads.values())

    def thread_ids(self) -> dict[str, int | None]:
        """Native thread id per source (for measuring the sampler's own CPU cost)."""
        return {name: t.native_id for name, t in self._threads.items()}

    def buffer_bytes(self) -> int:
        return sum(b.nbytes for b in self._buffers.values())

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("this Sampler was already started; create a new one")
        for source in self.sources:
            thread = threading.Thread(
                target=self._run, args=(source,), name=f"sampler-{source.name}", daemon=True
            )
            self._threads[source.name] = thread
            thread.start()

    def stop(self, timeout_s: float = 1.0) -> None:
        """Stop all threads and close the sources; a source stuck in read() is closed from here to unblock it."""
        self._stop.set()
        deadline = self._clock() + timeout_s
        for thread in self._threads.values():
            thread.join(max(0.0, deadline - self._clock()))
        for source in self.sources:
            if self._threads.get(source.name) is None or self._threads[source.name].is_alive():
                self._close(source)

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def snapshot(self, seconds: float | None = None) -> dict[str, Series]:
        """Copies of every source's rows, the last `seconds` only when given (for live panels)."""
        t0 = None if seconds is None else self._clock() - seconds
        return {name: buf.select(t0) for name, buf in self._buffers.items()}

    def window(self, t0: float, t1: float, bracket: bool = False) -> dict[str, Series]:
        """Rows with t0 <= t <= t1; `bracket` adds the row just outside each edge so integration can interpolate."""
        return {name: buf.select(t0, t1, bracket) for name, buf in self._buffers.items()}

    def latest(self) -> dict[str, float | None]:
        """Newest value of every key across sources; when two sources give a key, the first listed with a value wins."""
        merged: dict[str, float | None] = {}
        for buf in self._buffers.values():
            for key, value in buf.last_row().items():
                if merged.get(key) is None:
                    merged[key] = value
        return merged

    def achieved_rate_hz(self, name: str) -> float | None:
        """Rows per second over what the buffer holds; None with fewer than two rows."""
        return achieved_rate_hz(self._buffers[name].select().t)

    def _run(self, source: Source) -> None:
        buf = self._buffers[source.name]
        period_s = 1.0 / self.rates_hz[source.name]
        clock = self._clock
        next_t = clock()
        try:
            while not self._stop.is_set():
                before = clock()
                try:
                    readings = source.read()
                    after = clock()
                    buf.append(0.5 * (before + after), readings)
                except Exception as exc:  # a failing sensor is recorded (a row of NaN), and sampling goes on
                    self._record_error(source.name, exc)
                    after = clock()
                    buf.append(0.5 * (before + after), {})
                next_t = next_tick(next_t, after, period_s)
                self._stop.wait(max(0.0, next_t - after))
        finally:
            self._close(source)

    def _record_error(self, name: str, exc: Exception) -> None:
        with self._errors_lock:
            count = self._errors[name].count + 1 if name in self._errors else 1
            self._errors[name] = SourceErrors(count, f"{type(exc).__name__}: {exc}")

    def _close(self, source: Source) -> None:
        with self._close_lock:
            if source.name in self._closed:
                return
            self._closed.add(source.name)
        try:
            source.close()
        except Exception as exc:
            self._record_error(source.name, exc)
