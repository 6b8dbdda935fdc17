"""The sensors of one run: probed (or taken from the dashboard's probe), one per role, recorded, sampled.

A run needs its sources selected, optionally recorded for replay, sampled on threads, the idle power measured
before any model runs, and the memory source pointed at the worker's pid; this object does those jobs and
nothing else, so the session only orchestrates. Probe results made earlier (the dashboard probes at start-up to
show the sensors) are reused, so a daemon such as jtop is connected once per run, not twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.telemetry.base import Probe, Source
from core.telemetry.calibration import Calibration, board_id, load_calibration
from core.telemetry.detect import SourceStatus, power_source_name, probe_all, select_sources
from core.telemetry.energy_interval import idle_estimate
from core.telemetry.power_block import PowerContext
from core.telemetry.rate import matched_rate_hz
from core.telemetry.replay import Recorder
from core.telemetry.sampler import Sampler
from core.telemetry.updates import min_window_seconds


def resolve_probes(statuses: Sequence[SourceStatus], sysfs_root: str) -> list[SourceStatus]:
    """Probe results ready to select from: an available status without its live source object (a probe handed on
    as plain data, or one whose source was released) is probed again, alone; the others are kept as they are."""
    stale = [s.name for s in statuses if s.available and s.source is None]
    fresh = {s.name: s for s in probe_all(sysfs_root, stale)} if stale else {}
    return [fresh.get(s.name, s) for s in statuses]


def without_sources(statuses: Sequence[SourceStatus]) -> list[SourceStatus]:
    """The same probe results as plain data (no live source objects), safe to hand to any number of runs."""
    return [replace(s, source=None) for s in statuses]


IDLE_MIN_SAMPLES = 3  # idle power from fewer samples than this is no measurement


class TelemetryRig:
    """`start()` probes, selects and samples; `measure_idle()`, `set_worker_pid()`, `record_event()`; `stop()`, `close()`.

    `probes`: results of core.telemetry.detect.probe_all made earlier; their live sources are used (and closed at
    `stop()`), so pass each live probe to one rig only. None: probe here.
    """

    def __init__(
        self,
        sysfs_root: str = "/sys",
        only: Sequence[str] | None = None,
        probes: Sequence[SourceStatus] | None = None,
        record_path: Path | None = None,
        capacity_s: float = 600.0,
        rates_hz: Mapping[str, float] | None = None,
        read_rails: bool = True,
        calibration_dir: Path | None = None,
    ) -> None:
        self.sysfs_root = sysfs_root
        self.only = only
        self.probes = list(probes) if probes is not None else None
        self.record_path = record_path
        self.capacity_s = capacity_s
        self.rates_hz = dict(rates_hz or {})
        self.read_rails = read_rails  # False: power sources read board power only (no rails displayed)
        self.statuses: list[SourceStatus] = []
        self.sampler: Sampler | None = None
        self.power_source: str | None = None
        self.idle_power_w: float | None = None
        self.recorder: Recorder | None = None
        self.idle: dict[str, Any] | None = (
            None  # idle power with its interval (energy_interval.idle_estimate)
        )
        self.calibration_dir = calibration_dir  # None: core.telemetry.calibration.default_dir()
        self.calibration: Calibration | None = None
        self.calibration_note = ""

    def start(self) -> list[SourceStatus]:
        """Probe (or reuse the probe), pick one source per role, wrap them for recording, start the sampler.

        Returns the probe results; raises SensorSelectionError (one line) for an unusable `only` name.
        """
        self.statuses = (
            resolve_probes(self.probes, self.sysfs_root)
            if self.probes is not None
            else probe_all(self.sysfs_root)
        )
        sources: list[Source] = select_sources(self.statuses, self.only)
        for source in sources:
            if not self.read_rails and hasattr(source, "set_total_only"):
                source.set_total_only(True)
        self.power_source = power_source_name(sources)
        if self.record_path is not None:
            probes = {st.name: Probe(st.available, st.reason, st.details) for st in self.statuses}
            self.recorder = Recorder(self.record_path, probes)
            sources = [self.recorder.wrap(s) for s in sources]
        rates = {name: rate for name, rate in self.rates_hz.items() if name in {s.name for s in sources}}
        for source in sources:  # about twice each sensor's own refresh, unless the caller set a rate
            if source.name not in rates:
                rates[source.name] = matched_rate_hz(
                    getattr(source, "update_interval_ms", None), source.default_rate_hz
                )
        self.calibration, self.calibration_note = load_calibration(
            board_id(self.sysfs_root), self.calibration_dir
        )
        self.sampler = Sampler(sources, rates_hz=rates, capacity_s=self.capacity_s)
        self.sampler.start()
        return self.statuses

    def measure_idle(self, seconds: float, cancel: threading.Event | None = None) -> float | None:
        """Median power over `seconds` (stretched to IDLE_MIN_SAMPLES samples) before any model runs (the paper
        deducts it); None without a power source, when `seconds` <= 0, or when cancelled meanwhile."""
        if self.sampler is None or self.power_source is None or seconds <= 0:
            return None
        rate_hz = self.sampler.rates_hz.get(self.power_source)
        if rate_hz:  # a slow sensor is sampled slowly (core.telemetry.rate): wait for a few samples at least
            seconds = max(seconds, IDLE_MIN_SAMPLES / rate_hz)
        t0 = time.monotonic()
        if (cancel or threading.Event()).wait(seconds):
            return None
        t1 = time.monotonic()
        series = self.sampler.window(t0, t1).get(self.power_source)
        if series is not None and "power_mw" in series.values:
            refresh_s = (self.update_interval_ms or 0.0) / 1000.0
            self.idle = idle_estimate(series.t, series.values["power_mw"], t0, t1, max(2.0 * refresh_s, 0.1))
            self.idle_power_w = self.idle["w"]  # type: ignore[assignment]
        return self.idle_power_w

    @property
    def update_interval_ms(self) -> float | None:
        """The power sensor's own refresh (None: unknown or no power source)."""
        source = (
            next((s for s in self.sampler.sources if s.name == self.power_source), None)
            if self.sampler
            else None
        )
        return getattr(source, "update_interval_ms", None)

    @property
    def min_window_s(self) -> float:
        """The shortest timing window that holds enough sensor updates (core.telemetry.updates); 0: no limit."""
        return min_window_seconds(self.update_interval_ms)

    def power_context(self) -> PowerContext:
        """Idle with its interval, the sensor's refresh and rate, and the calibration, for the power block."""
        rate = self.sampler.rates_hz.get(self.power_source) if self.sampler and self.power_source else None
        return PowerContext(self.idle, self.update_interval_ms, rate, self.calibration, self.calibration_note)

    def set_worker_pid(self, pid: int | None) -> None:
        """Point the sources that follow a process (host memory: the worker's RSS) at `pid`; None: no worker."""
        for source in self.sampler.sources if self.sampler is not None else []:
            if hasattr(source, "set_pid"):
                source.set_pid(pid)

    def record_event(self, event: Mapping[str, Any]) -> None:
        """Write an event into the recording beside the readings (no-op when not recording)."""
        if self.recorder is not None:
            self.recorder.write_event(event)

    def stop(self) -> None:
        """Stop sampling and close the sources; the recording stays open for the run's closing events."""
        if self.sampler is not None:
            self.sampler.stop()

    def close(self) -> None:
        """Stop sampling if still running and close the recording; safe to call twice."""
        self.stop()
        if self.recorder is not None:
            self.recorder.close()


__all__ = ["TelemetryRig", "resolve_probes", "without_sources"]
