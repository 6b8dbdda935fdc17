"""Record telemetry to JSON lines and load it back (core.run.replay plays it): demos and tests need no board.

Trace format (version 1), one JSON object per line, gzip when the name ends in .gz:
  {"format": "tocompress-telemetry", "version": 1, "t0": <monotonic>, "note": ..., "sources": {name: probe}}
  {"t": <monotonic>, "source": <name>, "readings": {key: value | null}}
  {"t": <monotonic>, "event": {...}}       a worker event (inference windows etc.), so energy can be recomputed
"""

from __future__ import annotations

import gzip
import json
import math
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from core.telemetry.base import Probe, Source

TRACE_FORMAT = "tocompress-telemetry"
TRACE_VERSION = 1


def _open(path: str | os.PathLike[str], mode: str) -> IO[str]:
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")


def _json_value(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


class Recorder:
    """Writes a trace: the header at creation, then one line per reading (thread-safe: samplers write concurrently)."""

    def __init__(
        self, path: str | os.PathLike[str], probes: Mapping[str, Probe] | None = None, note: str = ""
    ) -> None:
        self.path = path
        self._file = _open(path, "w")
        self._lock = threading.Lock()
        sources = {
            name: {"available": p.available, "reason": p.reason, "details": p.details}
            for name, p in (probes or {}).items()
        }
        header = {
            "format": TRACE_FORMAT,
            "version": TRACE_VERSION,
            "t0": time.monotonic(),
            "note": note,
            "sources": sources,
        }
        self._file.write(json.dumps(header, default=str) + "\n")

    def record(self, source: str, t: float, readings: Mapping[str, float | None]) -> None:
        self._write({"t": t, "source": source, "readings": {k: _json_value(v) for k, v in readings.items()}})

    def write_event(self, event: Mapping[str, Any]) -> None:
        """Record a worker event beside the readings, stamped with its own monotonic time; flushed at once (events
        are few), so a reader following the file, or what is left after a crash, has every event so far."""
        t = event.get("t")
        self._write(
            {"t": t if isinstance(t, (int, float)) else time.monotonic(), "event": dict(event)}, flush=True
        )

    def _write(self, obj: dict[str, Any], flush: bool = False) -> None:
        line = json.dumps(obj, default=str)
        with self._lock:
            if not self._file.closed:  # a sampler thread may still read while the session closes the trace
                self._file.write(line + "\n")
                if flush:
                    self._file.flush()

    def wrap(self, source: Source) -> RecordingSource:
        """The same source, with every read also written to this trace."""
        return RecordingSource(source, self)

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordingSource:
    """Passes reads through from the wrapped source and records them (timestamped at the middle of the read)."""

    def __init__(self, source: Source, recorder: Recorder) -> None:
        self.source = source
        self.recorder = recorder
        self.name = source.name
        self.default_rate_hz = source.default_rate_hz

    def __getattr__(self, attr: str) -> Any:
        """Everything else (set_pid, total_rail...) is the wrapped source's, so wrapping changes nothing else."""
        if attr == "source":  # not set yet (copy, unpickle): no recursion
            raise AttributeError(attr)
        return getattr(self.source, attr)

    def probe(self) -> Probe:
        return self.source.probe()

    def read(self) -> dict[str, float | None]:
        before = time.monotonic()
        readings = self.source.read()
        self.recorder.record(self.name, 0.5 * (before + time.monotonic()), readings)
        return readings

    def close(self) -> None:
        self.source.close()


@dataclass
class Trace:
    """A parsed trace: the header, and per source its timestamps and readings in recorded order."""

    header: dict[str, Any]
    t: dict[str, np.ndarray] = field(default_factory=dict)
    readings: dict[str, list[dict[str, float | None]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)


def load_trace(path: str | os.PathLike[str]) -> Trace:
    """Parse a trace; raises ValueError naming the line that is wrong."""
    times: dict[str, list[float]] = {}
    trace = Trace(header={})
    with _open(path, "r") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number} is not JSON ({exc.msg})") from None
            if number == 1:
                if obj.get("format") != TRACE_FORMAT:
                    raise ValueError(f"{path}: not a {TRACE_FORMAT} trace (first line has no header)")
                if obj.get("version") != TRACE_VERSION:
                    raise ValueError(f"{path}: trace version {obj.get('version')} is not {TRACE_VERSION}")
                trace.header = obj
                continue
            if isinstance(obj, dict) and isinstance(obj.get("event"), dict):
                trace.events.append(obj["event"])
                continue
            try:
                name, t, readings = obj["source"], float(obj["t"]), dict(obj["readings"])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{path}: line {number} lacks t/source/readings") from None
            times.setdefault(name, []).append(t)
            trace.readings.setdefault(name, []).append(readings)
    if not trace.header:
        raise ValueError(f"{path}: empty trace")
    trace.t = {name: np.asarray(ts) for name, ts in times.items()}
    return trace
