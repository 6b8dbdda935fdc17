"""x86 package and DRAM power from the RAPL energy counters in powercap sysfs (Intel, and AMD since Linux 5.8).

RAPL gives cumulative energy, not power: power is the counter difference over the time between two reads, with
the counter's wraparound at `max_energy_range_uj` undone. So the first read has no power yet (None).
`power_mw` is package + DRAM: everything RAPL sees, which is the CPU side of the machine, not the whole board.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.telemetry.base import Probe

_PACKAGE = re.compile(
    r"^intel-rapl:(\d+)$"
)  # intel-rapl-mmio:* mirrors the package zone; reading both double counts
_SUBZONE = re.compile(r"^intel-rapl:(\d+):(\d+)$")
KEYS = ("power_mw", "pkg_power_mw", "dram_power_mw", "energy_uj")


@dataclass(frozen=True)
class RaplZone:
    """One powercap zone: its directory, its name (package-0, dram, core...), and its counter range."""

    path: str
    name: str
    max_range_uj: int

    @property
    def is_package(self) -> bool:
        return self.name.startswith("package")

    @property
    def is_dram(self) -> bool:
        return self.name == "dram"


def _read_text(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def find_zones(root: str = "/sys") -> list[RaplZone]:
    """Package zones and their DRAM subzones under <root>/class/powercap; raises OSError saying what is missing."""
    base = os.path.join(root, "class", "powercap")
    if not os.path.isdir(base):
        raise FileNotFoundError(f"no powercap directory at {base} (no RAPL driver on this machine)")
    dirs = sorted(d for d in os.listdir(base) if _PACKAGE.match(d) or _SUBZONE.match(d))
    zones = []
    for d in dirs:
        path = os.path.join(base, d)
        zone = RaplZone(path, _read_text(os.path.join(path, "name")), 0)
        if zone.is_package or zone.is_dram:
            max_range_uj = int(_read_text(os.path.join(path, "max_energy_range_uj")))
            zones.append(RaplZone(path, zone.name, max_range_uj))
    if not any(z.is_package for z in zones):
        raise FileNotFoundError(f"no intel-rapl:<N> package zone under {base}")
    return zones


def counter_delta_uj(previous_uj: int, current_uj: int, max_range_uj: int) -> int:
    """Energy between two counter reads; a decrease means the counter wrapped once."""
    delta = current_uj - previous_uj
    return delta + max_range_uj if delta < 0 else delta


def _sum(values: list[float | None] | list[int | None]) -> float | None:
    """Sum, or None when any part is unknown (a partial package total would read as a power drop)."""
    return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]


class RaplSource:
    """pkg_power_mw (all packages), dram_power_mw (None without a DRAM zone), power_mw (their sum), and energy_uj
    (package energy accumulated since the first read, wraparounds undone)."""

    name = "rapl"
    default_rate_hz = 20.0
    total_rail = "package+dram"

    def __init__(self, root: str = "/sys", clock: Callable[[], float] = time.monotonic) -> None:
        self.root = root
        self._clock = clock
        self._zones: list[RaplZone] | None = None
        self._last: dict[str, tuple[float, int]] = {}
        self._energy_uj = 0

    def probe(self) -> Probe:
        try:
            zones = find_zones(self.root)
            for zone in zones:
                _read_text(os.path.join(zone.path, "energy_uj"))
        except PermissionError as exc:
            return Probe(
                False,
                f"permission denied reading {exc.filename}: RAPL counters are root-only since Linux 5.10; run as root",
            )
        except (OSError, ValueError) as exc:
            return Probe(False, str(exc) if isinstance(exc, FileNotFoundError) else f"RAPL unreadable: {exc}")
        details = {"zones": {z.name: os.path.basename(z.path) for z in zones}}
        return Probe(True, f"powercap RAPL at {os.path.join(self.root, 'class', 'powercap')}", details)

    def read(self) -> dict[str, float | None]:
        if self._zones is None:
            try:
                self._zones = find_zones(self.root)
            except (OSError, ValueError):
                return dict.fromkeys(KEYS)
        package = [self._zone_power(z) for z in self._zones if z.is_package]
        dram = [self._zone_power(z) for z in self._zones if z.is_dram]
        pkg_mw = _sum([power_mw for power_mw, _ in package])
        dram_mw = _sum([power_mw for power_mw, _ in dram]) if dram else None
        pkg_delta_uj = _sum([delta_uj for _, delta_uj in package])
        if pkg_delta_uj is not None:
            self._energy_uj += int(pkg_delta_uj)
        readable = all(z.path in self._last for z in self._zones if z.is_package)
        return {
            "power_mw": None if pkg_mw is None or (dram and dram_mw is None) else pkg_mw + (dram_mw or 0.0),
            "pkg_power_mw": pkg_mw,
            "dram_power_mw": dram_mw,
            "energy_uj": float(self._energy_uj) if readable else None,
        }

    def close(self) -> None:
        self._last.clear()

    def _zone_power(self, zone: RaplZone) -> tuple[float | None, int | None]:
        """Power since this zone's previous read and the energy it took; (None, None) on the first or a failed read."""
        now = self._clock()
        try:
            counter_uj = int(_read_text(os.path.join(zone.path, "energy_uj")))
        except (OSError, ValueError):
            self._last.pop(zone.path, None)  # vanished: start over when it returns
            return None, None
        last = self._last.get(zone.path)
        self._last[zone.path] = (now, counter_uj)
        if last is None or now <= last[0]:
            return None, None
        delta_uj = counter_delta_uj(last[1], counter_uj, zone.max_range_uj)
        return delta_uj / (now - last[0]) / 1000.0, delta_uj
