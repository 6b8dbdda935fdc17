"""The dashboard's sensor probe at start-up, handed on to the runs so a daemon such as jtop is connected once.

The setup screen shows the probe's results; the first run takes their live sources (core.telemetry.rig uses them
as they are), later runs get them as plain data and re-open only the sources that were available.
"""

from __future__ import annotations

from typing import Any


def probe_sensors(sysfs_root: str) -> list[Any]:
    """Probe every telemetry source; the live sources found are kept for the first run."""
    from core.telemetry.detect import probe_all

    return probe_all(sysfs_root)


def release(statuses: list[Any] | None) -> None:
    """Close the live sources of probe results no run will use."""
    for status in statuses or []:
        if getattr(status, "source", None) is not None:
            try:
                status.source.close()
            except Exception:
                pass  # a probe's source that fails to close is harmless


class ProbeHandoff:
    """The probe results, and whether their live sources are still waiting for a run to take them."""

    def __init__(self) -> None:
        self.statuses: list[Any] | None = None
        self._live: list[Any] | None = None

    def arrived(self, statuses: list[Any], run_started: bool) -> None:
        """Keep the results; their live sources wait for the first run, or are closed if one started without."""
        self.statuses = statuses
        if run_started:
            release(statuses)
        else:
            self._live = statuses

    def for_run(self) -> list[Any] | None:
        """Probe results for a run: with live sources the first time, as plain data after; None before a probe."""
        from core.telemetry.rig import without_sources

        live, self._live = self._live, None
        if live is not None:
            return live
        return without_sources(self.statuses) if self.statuses is not None else None

    def close(self) -> None:
        """Release live sources no run took (the app is quitting)."""
        release(self._live)
        self._live = None
