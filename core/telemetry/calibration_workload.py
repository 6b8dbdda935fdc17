"""The calibration workload: idle, then load steps in an uneven order, while the onboard power trace is recorded.

The uneven order (not a staircase) gives the cross-correlation with the meter's trace a single clear peak. The
load is CPU spinning on a share of the cores (level 0..3 of 3), which every board has; `set_level` is where a test
or another load plugs in. The trace is kept on the wall clock (time.time at the start plus monotonic time since),
so a meter that logs wall time lands near the right place before the cross-correlation refines it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from core.telemetry.calibration import CalibrationError, board_id
from core.telemetry.power_trace import PowerTrace

LEVELS = (
    1,
    3,
    0,
    2,
    3,
    1,
    0,
    3,
    2,
    0,
)  # steps after the idle span, out of 3; uneven so the alignment is unique
MAX_LEVEL = 3


def schedule(idle_s: float, step_s: float, levels: Sequence[int] = LEVELS) -> list[tuple[float, int]]:
    """(duration in s, load level) for each step: idle first, then the load steps."""
    return [(idle_s, 0)] + [(step_s, level) for level in levels]


def _spin(stop: Any) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


class CpuLoad:
    """Spins `level / MAX_LEVEL` of the cores (at least one for any level above 0) in child processes."""

    def __init__(self, cores: int | None = None) -> None:
        self.cores = cores or os.cpu_count() or 1
        self._procs: list[Any] = []
        self._stop: Any = None

    def set_level(self, level: int) -> None:
        self.stop()
        busy = 0 if level <= 0 else max(1, round(self.cores * level / MAX_LEVEL))
        if busy == 0:
            return
        self._stop = multiprocessing.Event()
        self._procs = [
            multiprocessing.Process(target=_spin, args=(self._stop,), daemon=True) for _ in range(busy)
        ]
        for proc in self._procs:
            proc.start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        for proc in self._procs:
            proc.join(2.0)
            if proc.is_alive():
                proc.kill()
        self._procs, self._stop = [], None


def run_workload(
    steps: Sequence[tuple[float, int]],
    set_level: Callable[[int], None],
    cancel: threading.Event | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
) -> tuple[float, float]:
    """Hold each level for its duration (drift-free); returns the (monotonic) start and end. Level 0 at the end."""
    stop = cancel or threading.Event()
    start = next_t = time.monotonic()
    try:
        for i, (duration_s, level) in enumerate(steps):
            if on_step is not None:
                on_step(i, level, duration_s)
            set_level(level)
            next_t += duration_s
            if stop.wait(max(0.0, next_t - time.monotonic())):
                break
    finally:
        set_level(0)
    return start, time.monotonic()


def record_trace(
    rig: Any,
    steps: Sequence[tuple[float, int]],
    set_level: Callable[[int], None],
    cancel: threading.Event | None = None,
    on_step: Callable[[int, int, float], None] | None = None,
) -> PowerTrace:
    """Run the workload while `rig` (a started core.telemetry.rig.TelemetryRig) samples; the onboard trace in W on
    the wall clock, with the facts the fit and the store need (source, rail, board, refresh, rate)."""
    if rig.sampler is None or rig.power_source is None:
        raise CalibrationError("no onboard power sensor to calibrate here (see `tocompress sensors`)")
    wall_offset_s = time.time() - time.monotonic()  # fixed once: an NTP step mid-run must not tear the trace
    t0, t1 = run_workload(steps, set_level, cancel, on_step)
    series = rig.sampler.window(t0, t1).get(rig.power_source)
    if series is None or "power_mw" not in series.values:
        raise CalibrationError(f"{rig.power_source} gave no power readings during the workload")
    power_mw = series.values["power_mw"]
    keep = np.isfinite(power_mw)
    source = next(s for s in rig.sampler.sources if s.name == rig.power_source)
    facts = {
        "source": rig.power_source,
        "rail": getattr(source, "total_rail", None) or "",
        "board": board_id(rig.sysfs_root),
        "update_interval_ms": str(rig.update_interval_ms or ""),
        "rate_hz": f"{rig.sampler.rates_hz[rig.power_source]:g}",
        "steps": " ".join(f"{d:g}s:{level}" for d, level in steps),
    }
    return PowerTrace(series.t[keep] + wall_offset_s, power_mw[keep] / 1000.0, facts)


__all__ = ["LEVELS", "CpuLoad", "record_trace", "run_workload", "schedule"]
