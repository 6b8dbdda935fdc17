"""Jetson board and rail power read straight from the INA3221 monitors' sysfs files.

The paper sampled the TX2's INA3221 monitors at 1 kHz; reading sysfs directly is the only path fast enough for
that (tegrastats and jtop deliver 1-10 Hz). The monitors' own refresh (core.telemetry.ina3221_config) is usually
much slower, so the rig samples at about twice that refresh (core.telemetry.rate.matched_rate_hz), not at 1 kHz.
Discovery is core.telemetry.ina3221_rails; the per-sample reads are core.telemetry.ina3221_reader.

Board power (`power_mw`) follows core.telemetry.jetson_rails: the input rail, or the sum of rails on boards without
one. Carrier-board monitors (TX2 devkit 0-0042/0-0043) are read as rails but never chosen as the total.

Not verified on a real board (built from NVIDIA's L4T docs, jetson-stats and forum listings): the exact hwmon numbers,
the "sum of shunts" label text, whether every board's files are world-readable, and how long one read takes there:
each read of an INA3221 file is an I2C transaction in the driver, so 1 kHz over many rails may be bounded by the bus,
not by this code; use `total_only=True` to read just the input rail when that matters (boards without an
input rail still need every rail for the sum).
"""

from __future__ import annotations

import os

from core.telemetry.base import Probe
from core.telemetry.ina3221_config import update_interval
from core.telemetry.ina3221_rails import Rail, describe_devices, discover_rails
from core.telemetry.ina3221_reader import RailReader
from core.telemetry.jetson_rails import pick_total_rail


class TegraPowerSource:
    """Board and rail power from the Jetson's INA3221 monitors, cheap enough to read 1,000 times a second.

    Discovery runs once (in `probe()` or the first `read()`); afterwards `read()` only `os.pread`s descriptors kept
    open. `update_interval_ms` is the slowest chosen monitor's refresh (None: unknown), read from its configuration.
    """

    name = "tegra-power"
    default_rate_hz = 1000.0  # the most it is read at; the rig lowers it to match update_interval_ms

    def __init__(
        self, root: str = "/sys", *, with_voltage_current: bool = False, total_only: bool = False
    ) -> None:
        self.root = str(root)
        self.with_voltage_current = with_voltage_current
        self.total_only = total_only
        self.total_rail: str | None = None
        self._rails: list[Rail] | None = None
        self._reader = RailReader([], None, with_voltage_current)
        self.update_interval_ms: float | None = None
        self.update_intervals: dict[str, dict[str, object]] = {}

    def _discover(self) -> None:
        rails = discover_rails(self.root)
        self.total_rail = pick_total_rail([rail.key for rail in rails])
        hot = [r for r in rails if r.key == self.total_rail] if self.total_only and self.total_rail else rails
        self._reader = RailReader(hot, self.total_rail, self.with_voltage_current)
        self._reader.open()
        self._rails = rails
        # The slowest monitor read sets how often the readings actually change (None: unknown).
        intervals = {r.directory: update_interval(r.directory) for r in self._reader.rails}
        known = [ms for ms, _ in intervals.values() if ms is not None]
        self.update_interval_ms = max(known) if known else None
        self.update_intervals = {
            f"{os.path.basename(os.path.dirname(d))}/{os.path.basename(d)}": {"ms": ms, "from": how}
            for d, (ms, how) in intervals.items()
        }

    @property
    def rails_read(self) -> int:
        """How many rails each read touches (after discovery)."""
        return len(self._reader.rails)

    def set_total_only(self, total_only: bool) -> None:
        """Read only the input rail (True) or every rail; takes effect at the next read (rails are rediscovered).

        A run nobody watches needs board power only: one pread per sample instead of one per rail (12 on a TX2).
        """
        if total_only != self.total_only:
            self.total_only = total_only
            self.close()

    def probe(self) -> Probe:
        """Whether power can be read here: rails per device with units, which rail is total, what vanished."""
        if self._rails is None:
            self._discover()
        assert self._rails is not None
        if not self._rails:
            return Probe(
                False,
                f"no ina3221 under {os.path.join(self.root, 'bus', 'i2c', 'drivers')} "
                "(looked for ina3221x/*/iio:device* and ina3221/*/hwmon/hwmon*)",
            )
        if self._reader.open_error:
            return Probe(False, self._reader.open_error)
        self._check_files()
        total = (
            f"input rail {self.total_rail}"
            if self.total_rail
            else f"sum of {len(self._rails)} rails (no single input rail on this board; misses losses no monitor sees)"
        )
        gone = {rail.key: rail.gone for rail in self._reader.rails if rail.gone}
        details = {
            "devices": describe_devices(self._rails),
            "total_rail": self.total_rail,
            "total": total,
            "vanished": gone,
            "update_intervals": self.update_intervals,
            "update_interval_ms": self.update_interval_ms,
        }
        total_gone = [key for key in gone if self.total_rail is None or key == self.total_rail]
        if total_gone:
            return Probe(False, f"rail {total_gone[0]} vanished mid-run ({gone[total_gone[0]]})", details)
        reason = f"{len(self._rails)} INA3221 rails; power_mw = {total}"
        if gone:
            reason += f"; vanished: {', '.join(gone)}"
        return Probe(True, reason, details)

    def _check_files(self) -> None:
        """Mark a read rail gone when its files no longer exist (an unbound driver)."""
        for rail in self._reader.rails:
            paths = [rail.power_path or rail.voltage_path]
            if rail.power_path is None:
                paths.append(rail.current_path)
            if not rail.gone and not all(os.path.exists(p) for p in paths):
                rail.gone = f"{paths[0]} no longer exists"
                self._reader.fast_fds = None

    def read(self) -> dict[str, float | None]:
        """Board power and per-rail power now, in mW (and mV, mA when asked); an unreadable rail reads None."""
        if self._rails is None:
            self._discover()
        return self._reader.read()

    def close(self) -> None:
        """Close every descriptor; a later read discovers the rails again."""
        for rail in self._rails or []:
            rail.close_fds()
        self._rails = None
        self._reader = RailReader([], None, self.with_voltage_current)


__all__ = ["TegraPowerSource"]
