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
from typing import Any

from core.telemetry.base import Source
from core.telemetry.rate import achieved_rate_hz, source_cost
from core.telemetry.ring import RingBuffer, Series
from core.telemetry.sample_loop import next_tick, sample_loop

__all__ = ["RingBuffer", "Sampler", "Series", "SourceErrors", "next_tick"]


@dataclass(frozen=True)
class SourceErrors:
    """How often a source's read raised, and the last message (kept short: a 1 kHz failure must not grow a list)."""

    count: int
    last: str


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
        self._by_name = {s.name: s for s in self.sources}
        self._thread_cpu_s: dict[str, float] = {}  # per source: CPU seconds its thread used, set as it ends
        self._thread_wall_s: dict[str, float] = {}

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

    def cost(self) -> dict[str, Any]:
        """What sampling cost: CPU of each source's thread in % of one core over its life, target and achieved
        rates. Thread figures exist once the threads have ended (after `stop()`); None before, with the reason."""
        sources = {}
        for name, rate in self.rates_hz.items():
            sensor_ms = getattr(self._by_name[name], "update_interval_ms", None)
            cpu_s, wall_s = self._thread_cpu_s.get(name), self._thread_wall_s.get(name)
            sources[name] = source_cost(rate, self.achieved_rate_hz(name), cpu_s, wall_s, sensor_ms)
        shares = [s["cpu_pct_of_one_core"] for s in sources.values()]
        known = [v for v in shares if v is not None]
        return {
            "cpu_pct_of_one_core": sum(known) if known and len(known) == len(shares) else None,
            "reason": None if known and len(known) == len(shares) else "measured when the sampler stops",
            "sources": sources,
        }

    def _run(self, source: Source) -> None:
        """One source's thread (core.telemetry.sample_loop); the source is closed as it ends."""
        buf, period_s = self._buffers[source.name], 1.0 / self.rates_hz[source.name]
        try:
            sample_loop(source, buf, period_s, self._stop, self._clock, self._record_error, self._ended)
        finally:
            self._close(source)

    def _ended(self, name: str, cpu_s: float, wall_s: float) -> None:
        """Keep a source thread's CPU and wall seconds as it ends (cost() reads them)."""
        self._thread_cpu_s[name], self._thread_wall_s[name] = cpu_s, wall_s

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
