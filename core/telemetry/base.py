"""The contract every telemetry source follows: `probe()` says whether it works here and why, `read()` gives readings.

Readings carry their units in their names (`power_mw`, `gpu_load_pct`, `rss_bytes`); a value that cannot be read
is None, never 0, so nothing downstream mistakes "no sensor" for "zero watts".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Probe:
    """Whether a source works on this machine, a human reason either way, and what it found (rails, channels)."""

    available: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


class Source(Protocol):
    """A sensor: a name, a default sampling rate, a probe and a read."""

    name: str
    default_rate_hz: float

    def probe(self) -> Probe: ...

    def read(self) -> dict[str, float | None]: ...

    def close(self) -> None: ...
