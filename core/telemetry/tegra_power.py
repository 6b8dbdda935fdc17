"""Jetson board and rail power read straight from the INA3221 monitors' sysfs files.

The paper sampled the TX2's INA3221 monitors at 1 kHz; reading sysfs directly is the only path fast enough for
that (tegrastats and jtop deliver 1-10 Hz). Monitors are discovered, not hard-coded to one board:

- JetPack 4 (TX2, Nano, Xavier on L4T 32): the `ina3221x` iio driver, `<root>/bus/i2c/drivers/ina3221x/<bus>-<addr>/
  iio:device<K>/` with `rail_name_<N>`, `in_power<N>_input` (mW), `in_voltage<N>_input` (mV), `in_current<N>_input` (mA).
- JetPack 5 and later (Xavier, Orin): the upstream `ina3221` hwmon driver, `<root>/bus/i2c/drivers/ina3221/<bus>-<addr>/
  hwmon/hwmon<K>/` with `in<N>_label`, `in<N>_input` (bus mV), `curr<N>_input` (mA); power = mV * mA / 1000.
  Channels labelled NC (not connected, Orin AGX) and the sum-of-shunts channel (in7) are skipped.

Board power (`power_mw`) follows core.telemetry.jetson_rails: the input rail, or the sum of rails on boards without
one. Carrier-board monitors (TX2 devkit 0-0042/0-0043) are read as rails but never chosen as the total.

Not verified on a real board (built from NVIDIA's L4T docs, jetson-stats and forum listings): the exact hwmon numbers,
the "sum of shunts" label text, whether every board's files are world-readable, and how long one read takes there:
each read of an INA3221 file is an I2C transaction in the driver, so 1 kHz over many rails may be bounded by the bus,
not by this code; use `total_only=True` to read just the input rail when that matters (boards without an
input rail still need every rail for the sum).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

from core.telemetry.base import Probe
from core.telemetry.ina3221_config import update_interval
from core.telemetry.jetson_rails import is_unconnected, pick_total_rail, rail_key, total_power_mw
from core.telemetry.sysfs_files import GONE_ERRNOS, read_text

_DEVICE_RE = re.compile(r"\d+-[0-9a-f]{4}")


@dataclass
class _Rail:
    """One INA3221 channel: its name, where its files are, and the descriptors kept open for the hot path."""

    key: str
    device: str
    driver: str
    directory: str
    power_path: str | None  # iio only; hwmon power is computed from voltage and current
    voltage_path: str
    current_path: str
    power_fd: int = -1
    voltage_fd: int = -1
    current_fd: int = -1
    gone: str = ""  # why the rail stopped answering mid-run, "" while it answers


def _iio_rails(device: str, directory: str) -> list[_Rail]:
    rails = []
    for name_path in sorted(glob.glob(os.path.join(directory, "rail_name_*"))):
        n = name_path.rsplit("_", 1)[1]
        label = read_text(name_path)
        voltage = os.path.join(directory, f"in_voltage{n}_input")
        current = os.path.join(directory, f"in_current{n}_input")
        power = os.path.join(directory, f"in_power{n}_input")
        if is_unconnected(label) or not os.path.exists(power):
            continue
        rails.append(_Rail(rail_key(label), device, "ina3221x", directory, power, voltage, current))
    return rails


def _hwmon_rails(device: str, directory: str) -> list[_Rail]:
    rails = []
    for label_path in sorted(glob.glob(os.path.join(directory, "in*_label"))):
        n = os.path.basename(label_path)[2:].split("_", 1)[0]
        label = read_text(label_path)
        voltage = os.path.join(directory, f"in{n}_input")
        current = os.path.join(directory, f"curr{n}_input")
        if n == "7" or is_unconnected(label) or not (os.path.exists(voltage) and os.path.exists(current)):
            continue
        rails.append(_Rail(rail_key(label), device, "ina3221", directory, None, voltage, current))
    return rails


def discover_rails(root: str) -> list[_Rail]:
    """Every connected INA3221 channel under `<root>/bus/i2c/drivers`, in device then channel order."""
    rails: list[_Rail] = []
    for driver in ("ina3221x", "ina3221"):
        driver_dir = os.path.join(root, "bus", "i2c", "drivers", driver)
        if not os.path.isdir(driver_dir):
            continue
        for device in sorted(d for d in os.listdir(driver_dir) if _DEVICE_RE.fullmatch(d)):
            device_dir = os.path.join(driver_dir, device)
            for iio in sorted(glob.glob(os.path.join(device_dir, "iio:device*"))):
                rails += _iio_rails(device, iio)
            for hwmon in sorted(glob.glob(os.path.join(device_dir, "hwmon", "hwmon*"))):
                rails += _hwmon_rails(device, hwmon)
    seen: set[str] = set()
    for rail in rails:
        if rail.key in seen:  # two monitors with one label: keep both, told apart by their I2C device
            rail.key = f"{rail.key}_{rail.device.replace('-', '_')}"
        seen.add(rail.key)
    return rails


class TegraPowerSource:
    """Board and rail power from the Jetson's INA3221 monitors, cheap enough to read 1,000 times a second.

    Discovery runs once (in `probe()` or the first `read()`); afterwards `read()` only `os.pread`s descriptors kept
    open, since sysfs files answer a fresh value when re-read from offset 0.
    """

    name = "tegra-power"
    default_rate_hz = 1000.0

    def __init__(
        self, root: str = "/sys", *, with_voltage_current: bool = False, total_only: bool = False
    ) -> None:
        self.root = str(root)
        self.with_voltage_current = with_voltage_current
        self.total_only = total_only
        self.total_rail: str | None = None
        self._rails: list[_Rail] | None = None
        self._hot: list[_Rail] = []
        self._open_error = ""
        # The hot path's plan, fixed after discovery: (descriptor, reading key) per rail and where the total is.
        self._fast_fds: tuple[int, ...] | None = None
        self._fast_keys: tuple[str, ...] = ()
        self._fast_total: int | None = None  # index of the input rail; None: the total is the sum
        self.update_interval_ms: float | None = (
            None  # the monitors' own update interval (core.telemetry.ina3221_config)
        )
        self.update_intervals: dict[str, dict[str, object]] = {}

    def _discover(self) -> None:
        rails = discover_rails(self.root)
        self.total_rail = pick_total_rail([rail.key for rail in rails])
        self._hot = (
            [r for r in rails if r.key == self.total_rail] if self.total_only and self.total_rail else rails
        )
        try:
            for rail in self._hot:
                if rail.power_path is not None:
                    rail.power_fd = os.open(rail.power_path, os.O_RDONLY)
                if rail.power_path is None or self.with_voltage_current:
                    rail.voltage_fd = os.open(rail.voltage_path, os.O_RDONLY)
                    rail.current_fd = os.open(rail.current_path, os.O_RDONLY)
        except OSError as exc:
            self._close_fds(rails)
            self._hot = []
            self._open_error = (
                f"cannot open {exc.filename}: {exc.strerror}; run as root or make the INA3221 files readable"
            )
        self._rails = rails
        self._plan_fast_path()
        # The slowest monitor read sets how often the readings actually change (None: unknown).
        intervals = {r.directory: update_interval(r.directory) for r in self._hot}
        known = [ms for ms, _ in intervals.values() if ms is not None]
        self.update_interval_ms = max(known) if known else None
        self.update_intervals = {os.path.basename(os.path.dirname(d)) + "/" + os.path.basename(d): {
            "ms": ms, "from": how} for d, (ms, how) in intervals.items()}  # fmt: skip

    def _plan_fast_path(self) -> None:
        """One pread per rail and no per-read string building, while every hot rail has a power file and answers."""
        hot = self._hot
        if not hot or self.with_voltage_current or any(r.power_fd < 0 or r.gone for r in hot):
            self._fast_fds = None
            return
        self._fast_fds = tuple(r.power_fd for r in hot)
        self._fast_keys = tuple(f"rail_{r.key}_power_mw" for r in hot)
        keys = [r.key for r in hot]
        self._fast_total = keys.index(self.total_rail) if self.total_rail in keys else None

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
        if self._open_error:
            return Probe(False, self._open_error)
        for rail in self._hot:
            paths = [rail.power_path or rail.voltage_path] + (
                [rail.current_path] if rail.power_path is None else []
            )
            if not rail.gone and not all(os.path.exists(p) for p in paths):
                rail.gone = f"{paths[0]} no longer exists"
                self._fast_fds = None
        total = (
            f"input rail {self.total_rail}"
            if self.total_rail
            else f"sum of {len(self._rails)} rails (no single input rail on this board; misses losses no monitor sees)"
        )
        gone = {rail.key: rail.gone for rail in self._hot if rail.gone}
        details = {
            "devices": self._devices(),
            "total_rail": self.total_rail,
            "total": total,
            "vanished": gone,
            "update_intervals": self.update_intervals,
        }
        total_gone = [key for key in gone if self.total_rail is None or key == self.total_rail]
        if total_gone:
            return Probe(False, f"rail {total_gone[0]} vanished mid-run ({gone[total_gone[0]]})", details)
        reason = f"{len(self._rails)} INA3221 rails; power_mw = {total}"
        if gone:
            reason += f"; vanished: {', '.join(gone)}"
        return Probe(True, reason, details)

    def _devices(self) -> dict[str, dict[str, dict[str, str]]]:
        assert self._rails is not None
        devices: dict[str, dict[str, dict[str, str]]] = {}
        for rail in self._rails:
            where = f"{rail.driver} {rail.device} ({os.path.basename(rail.directory)})"
            power = rail.power_path or f"{rail.voltage_path} x {os.path.basename(rail.current_path)} / 1000"
            devices.setdefault(where, {})[rail.key] = {
                "power_mw": power,
                "voltage_mv": rail.voltage_path,
                "current_ma": rail.current_path,
            }
        return devices

    def read(self) -> dict[str, float | None]:
        """Board power and per-rail power now, in mW (and mV, mA when asked); an unreadable rail reads None."""
        if self._rails is None:
            self._discover()
        if self._fast_fds is not None:
            return self._read_power_only()
        return self._read_each()

    def _read_power_only(self) -> dict[str, float | None]:
        """The hot path: one pread per rail into precomputed keys; a failing rail reads None as in _read_each."""
        pread = os.pread
        out: dict[str, float | None] = {}
        powers: list[float | None] = []
        for fd, key, rail in zip(self._fast_fds or (), self._fast_keys, self._hot, strict=True):
            try:
                power: float | None = float(int(pread(fd, 32, 0)))
            except OSError as exc:
                power = None
                if exc.errno in GONE_ERRNOS:
                    rail.gone = f"{os.strerror(exc.errno)} on read"
                    self._close_fds([rail])
                    self._fast_fds = None  # the careful path from the next read on
            except ValueError:  # a torn or empty read: this sample only
                power = None
            out[key] = power
            powers.append(power)
        total = self._fast_total
        if total is not None:
            out["power_mw"] = powers[total]
        else:
            out["power_mw"] = None if None in powers else float(sum(powers))  # type: ignore[arg-type]
        return out

    def _read_each(self) -> dict[str, float | None]:
        """read() rail by rail: voltage and current where asked, and a rail that fails reads None with the reason."""
        pread = os.pread
        detail = self.with_voltage_current
        out: dict[str, float | None] = {}
        powers: dict[str, float | None] = {}
        for rail in self._hot:
            key = rail.key
            power = voltage = current = None
            if not rail.gone:
                try:
                    if rail.power_fd >= 0:
                        power = float(int(pread(rail.power_fd, 32, 0)))
                    if rail.voltage_fd >= 0:
                        voltage = int(pread(rail.voltage_fd, 32, 0))
                        current = int(pread(rail.current_fd, 32, 0))
                        if power is None:
                            power = voltage * current / 1000.0
                except OSError as exc:
                    power = voltage = current = None
                    if exc.errno in GONE_ERRNOS:
                        rail.gone = f"{os.strerror(exc.errno)} on read"
                        self._close_fds([rail])
                        self._fast_fds = None
                except ValueError:  # a torn or empty read: this sample only
                    power = voltage = current = None
            powers[key] = power
            out[f"rail_{key}_power_mw"] = power
            if detail:
                out[f"rail_{key}_voltage_mv"] = None if voltage is None else float(voltage)
                out[f"rail_{key}_current_ma"] = None if current is None else float(current)
        out["power_mw"] = total_power_mw(powers, self.total_rail) if self._hot else None
        return out

    @staticmethod
    def _close_fds(rails: list[_Rail]) -> None:
        for rail in rails:
            for attr in ("power_fd", "voltage_fd", "current_fd"):
                fd = getattr(rail, attr)
                if fd >= 0:
                    os.close(fd)
                    setattr(rail, attr, -1)

    def close(self) -> None:
        """Close every descriptor; a later read discovers the rails again."""
        if self._rails is not None:
            self._close_fds(self._rails)
        self._rails = None
        self._hot = []
        self._fast_fds = None
