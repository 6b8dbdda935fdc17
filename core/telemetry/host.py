"""Host CPU load, RAM and the worker's resident memory via psutil: the one source that works on every machine.

Memory footprint (the paper's "runtime memory") is the worker's RSS, so the pid is settable: the session starts
the sampler first and points it at the worker once the worker exists.
"""

from __future__ import annotations

from typing import Any

import psutil

from core.telemetry.base import Probe


def _busy_and_total_s(times: Any) -> tuple[float, float]:
    """Busy and total CPU seconds; idle and iowait count as not busy, as in psutil.cpu_percent."""
    total_s = float(sum(times))
    idle_s = float(times.idle) + float(getattr(times, "iowait", 0.0))
    return total_s - idle_s, total_s


class HostSource:
    """System CPU load, RAM use, and the RSS of one process (None when no pid is set or the process is gone)."""

    name = "host"
    default_rate_hz = 10.0

    def __init__(self, pid: int | None = None) -> None:
        self._proc: psutil.Process | None = None
        self._last_cpu: tuple[float, float] | None = None
        self._last_pct: float | None = None
        self.set_pid(pid)

    def set_pid(self, pid: int | None) -> None:
        """Follow another process (the worker); None stops reporting rss_bytes."""
        self._proc = None
        if pid is not None:
            try:
                self._proc = psutil.Process(pid)
            except psutil.Error:
                self._proc = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def probe(self) -> Probe:
        details = {"cpu_count": psutil.cpu_count(), "ram_total_bytes": psutil.virtual_memory().total}
        return Probe(True, "psutil reads /proc (CPU load, RAM, worker RSS)", details)

    def read(self) -> dict[str, float | None]:
        vm = psutil.virtual_memory()
        return {
            "cpu_load_pct": self._cpu_load_pct(),
            # total - available: memory that processes hold and the kernel cannot simply drop (page cache excluded).
            "ram_used_bytes": float(vm.total - vm.available),
            "ram_total_bytes": float(vm.total),
            "rss_bytes": self._rss_bytes(),
        }

    def close(self) -> None:
        self._proc = None

    def _cpu_load_pct(self) -> float | None:
        """Load since our own previous read (not psutil's global state, which other callers would disturb).

        CPU times tick at 100 Hz; a read sooner than one tick repeats the last figure instead of dividing by zero.
        """
        busy_s, total_s = _busy_and_total_s(psutil.cpu_times())
        last = self._last_cpu
        if last is None or total_s > last[1]:
            self._last_cpu = (busy_s, total_s)
        if last is not None and total_s > last[1]:
            self._last_pct = max(0.0, min(100.0, 100.0 * (busy_s - last[0]) / (total_s - last[1])))
        return self._last_pct

    def _rss_bytes(self) -> float | None:
        proc = self._proc
        if proc is None:
            return None
        try:
            # is_running() also checks the creation time, so a reused pid is not mistaken for the worker.
            return float(proc.memory_info().rss) if proc.is_running() else None
        except psutil.Error:
            return None
