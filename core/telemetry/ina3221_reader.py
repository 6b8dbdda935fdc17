"""Reading the chosen INA3221 rails a thousand times a second: descriptors kept open, one `os.pread` per file.

sysfs files answer a fresh value when re-read from offset 0, so after opening nothing but `pread` runs per read.
While every rail has a power file and answers, a fast path reads power only into precomputed keys; otherwise each
rail is read with its voltage and current, and a rail that fails reads None with the reason kept on the rail.
"""

from __future__ import annotations

import os

from core.telemetry.ina3221_rails import Rail
from core.telemetry.jetson_rails import total_power_mw
from core.telemetry.sysfs_files import GONE_ERRNOS


class RailReader:
    """The rails read on each sample (`rails`), their open descriptors, and the two read paths."""

    def __init__(self, rails: list[Rail], total_rail: str | None, with_voltage_current: bool) -> None:
        self.rails = rails
        self.total_rail = total_rail
        self.with_voltage_current = with_voltage_current
        self.open_error = ""
        # The hot path's plan, fixed after opening: (descriptor, reading key) per rail and where the total is.
        self.fast_fds: tuple[int, ...] | None = None
        self._fast_keys: tuple[str, ...] = ()
        self._fast_total: int | None = None  # index of the input rail; None: the total is the sum

    def open(self) -> None:
        """Open every file the reads need; on failure nothing stays open and `open_error` says what to do."""
        try:
            for rail in self.rails:
                if rail.power_path is not None:
                    rail.power_fd = os.open(rail.power_path, os.O_RDONLY)
                if rail.power_path is None or self.with_voltage_current:
                    rail.voltage_fd = os.open(rail.voltage_path, os.O_RDONLY)
                    rail.current_fd = os.open(rail.current_path, os.O_RDONLY)
        except OSError as exc:
            for rail in self.rails:
                rail.close_fds()
            self.rails = []
            self.open_error = (
                f"cannot open {exc.filename}: {exc.strerror}; run as root or make the INA3221 files readable"
            )
        self._plan_fast_path()

    def _plan_fast_path(self) -> None:
        """One pread per rail and no per-read string building, while every rail has a power file and answers."""
        rails = self.rails
        if not rails or self.with_voltage_current or any(r.power_fd < 0 or r.gone for r in rails):
            self.fast_fds = None
            return
        self.fast_fds = tuple(r.power_fd for r in rails)
        self._fast_keys = tuple(f"rail_{r.key}_power_mw" for r in rails)
        keys = [r.key for r in rails]
        self._fast_total = keys.index(self.total_rail) if self.total_rail in keys else None

    def mark_gone(self, rail: Rail, why: str) -> None:
        """The rail stopped answering: close it and leave the fast path (the careful one reads None for it)."""
        rail.gone = why
        rail.close_fds()
        self.fast_fds = None

    def read(self) -> dict[str, float | None]:
        """Board power and per-rail power now, in mW (and mV, mA when asked); an unreadable rail reads None."""
        return self._read_power_only() if self.fast_fds is not None else self._read_each()

    def _read_power_only(self) -> dict[str, float | None]:
        """The hot path: one pread per rail into precomputed keys; a failing rail reads None as in _read_each."""
        pread = os.pread
        out: dict[str, float | None] = {}
        powers: list[float | None] = []
        for fd, key, rail in zip(self.fast_fds or (), self._fast_keys, self.rails, strict=True):
            try:
                power: float | None = float(int(pread(fd, 32, 0)))
            except OSError as exc:
                power = None
                if exc.errno in GONE_ERRNOS:
                    self.mark_gone(
                        rail, f"{os.strerror(exc.errno)} on read"
                    )  # careful path from the next read
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
        """Rail by rail: voltage and current where asked, and a rail that fails reads None with the reason."""
        pread = os.pread
        detail = self.with_voltage_current
        out: dict[str, float | None] = {}
        powers: dict[str, float | None] = {}
        for rail in self.rails:
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
                        self.mark_gone(rail, f"{os.strerror(exc.errno)} on read")
                except ValueError:  # a torn or empty read: this sample only
                    power = voltage = current = None
            powers[key] = power
            out[f"rail_{key}_power_mw"] = power
            if detail:
                out[f"rail_{key}_voltage_mv"] = None if voltage is None else float(voltage)
                out[f"rail_{key}_current_ma"] = None if current is None else float(current)
        out["power_mw"] = total_power_mw(powers, self.total_rail) if self.rails else None
        return out


__all__ = ["RailReader"]
