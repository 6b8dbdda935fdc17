"""A recorded run (`tocompress run --record FILE`) played back with the Session's face, for demos and tests.

Events and telemetry share one timeline: the earliest timestamp in the file is the start, and at `speed` 1 every
event and every reading comes when it came in the recording, so power rises when inference starts, as it did.
The readings go through a real Sampler, so the live panels read them exactly as they read a board's sensors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core.telemetry.base import Probe
from core.telemetry.detect import SourceStatus
from core.telemetry.replay import Trace, load_trace
from core.telemetry.sampler import Sampler

OnEvent = Callable[[dict[str, Any]], None]
MAX_RATE_HZ = 1000.0  # sampling a replay faster than this only costs CPU: the panels redraw 4 times a second


class Timeline:
    """Recorded time now: `origin` at `start()`, advancing `speed` recorded seconds per real second."""

    def __init__(self, origin: float, speed: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.origin = origin
        self.speed = speed
        self.clock = clock
        self._start: float | None = None

    def start(self) -> None:
        self._start = self.clock()

    def now(self) -> float:
        return self.origin if self._start is None else self.origin + (self.clock() - self._start) * self.speed

    def due(self, recorded_t: float) -> float:
        """The clock time at which recorded time `recorded_t` comes."""
        assert self._start is not None, "start() first"
        return self._start + (recorded_t - self.origin) / self.speed


class TimelineSource:
    """One recorded source on the shared timeline: a read gives the row recorded at the timeline's present,
    None values before its first row and after its last (the sensor was not being read then)."""

    def __init__(
        self, name: str, t: np.ndarray, rows: list[dict[str, float | None]], timeline: Timeline
    ) -> None:
        self.name = name
        self._t = t
        self._rows = rows
        self._keys = sorted({key for row in rows for key in row})
        self._timeline = timeline
        recorded_hz = (len(t) - 1) / float(t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 10.0
        self._period_s = 1.0 / recorded_hz  # recorded seconds between rows: the last row lasts one period
        self.default_rate_hz = min(MAX_RATE_HZ, recorded_hz * timeline.speed)

    def probe(self) -> Probe:
        return Probe(True, f"replaying {len(self._rows)} rows of {self.name!r}")

    def read(self) -> dict[str, float | None]:
        now = self._timeline.now()
        if now < self._t[0] or now > self._t[-1] + self._period_s:
            return dict.fromkeys(self._keys)
        return dict(self._rows[int(np.searchsorted(self._t, now, side="right")) - 1])

    def close(self) -> None:
        pass  # nothing to release: the rows are in memory


class ReplaySession:
    """`run()` plays the recording and returns its result (None if it ended before one); `cancel()` stops it."""

    def __init__(self, path: str | Path, on_event: OnEvent | None = None, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"replay speed must be > 0, got {speed:g}")
        self.path = Path(path)
        self.speed = speed
        self._on_event = on_event or (lambda event: None)
        self._stop = threading.Event()
        self.trace: Trace = load_trace(self.path)  # ValueError naming the bad line, for the caller to show
        self.idle_power_w: float | None = None
        events = self.trace.events
        self.variants = list(dict.fromkeys(e["variant"] for e in events if e.get("type") == "phase"))
        self.model = next(
            (e["spec"]["model"] for e in events if e.get("type") == "hello" and "spec" in e), None
        )
        starts = [float(t[0]) for t in self.trace.t.values() if len(t)]
        ends = [float(t[-1]) for t in self.trace.t.values() if len(t)]
        times = [float(e["t"]) for e in events if isinstance(e.get("t"), (int, float))]
        self.timeline = Timeline(min(starts + times, default=0.0), speed)
        self.end_t = max(ends + times, default=self.timeline.origin)
        sources = [
            TimelineSource(name, t, self.trace.readings[name], self.timeline)
            for name, t in self.trace.t.items()
            if len(t)
        ]
        self.sampler = Sampler(sources) if sources else None

    @property
    def statuses(self) -> list[SourceStatus]:
        """The sensors of the machine the recording was made on, as its probe found them (no live sources)."""
        sources = self.trace.header.get("sources") or {}
        return [
            SourceStatus(
                name, bool(p.get("available")), str(p.get("reason", "")), dict(p.get("details") or {})
            )
            for name, p in sources.items()
            if isinstance(p, dict)
        ]

    @property
    def duration_s(self) -> float:
        """Recorded span, first timestamp to last (events and readings), in recorded seconds."""
        return self.end_t - self.timeline.origin

    def run(self) -> dict[str, Any] | None:
        """Play the events at their recorded pace, then wait out the telemetry; returns the recorded result."""
        result = None
        self.timeline.start()
        if self.sampler is not None:
            self.sampler.start()
        try:
            for event in self.trace.events:
                t = event.get("t")
                if isinstance(t, (int, float)) and self._wait_until(float(t)):
                    return None
                if event.get("type") == "session-result":
                    result = event.get("result")
                    continue
                if event.get("state") == "idle-done":
                    self.idle_power_w = event.get("idle_power_w")
                self._on_event(event)
            if self._wait_until(self.end_t):
                return None
        finally:
            if self.sampler is not None:
                self.sampler.stop()
        return result

    def _wait_until(self, recorded_t: float) -> bool:
        """Sleep until recorded time `recorded_t` comes; True when cancelled meanwhile."""
        return self._stop.wait(max(0.0, self.timeline.due(recorded_t) - time.monotonic()))

    def cancel(self) -> None:
        self._stop.set()


__all__ = ["ReplaySession", "Timeline", "TimelineSource"]
