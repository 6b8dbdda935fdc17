"""Find which telemetry sources work here, pick one per role, and report them for `tocompress sensors`.

Probe order, DEFAULT_ORDER: jtop first because on a board it is the least effort (one service gives everything,
and its probe says at once whether we are on a Jetson); then direct sysfs, the only path fast enough for the paper's
1 kHz power; then tegrastats (works without jtop, ~10 Hz at best); then the non-Jetson sources.

One source per role, by preference:
  power  tegra-power > jtop > tegrastats > nvml > rapl   (1 kHz INA3221 sysfs beats jtop/tegrastats at ~10 Hz;
                                                          NVML is a discrete GPU's own rail; RAPL is CPU package only)
  GPU    tegra-gpu > jtop > tegrastats > nvml            (sysfs load is read directly, no daemon in between)
  memory host, always (psutil: system RAM and the worker's RSS by pid)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserError
from core.telemetry.base import Source
from core.telemetry.rate import matched_rate_hz

DEFAULT_ORDER = ("jtop", "tegra-power", "tegra-gpu", "tegrastats", "nvml", "rapl", "host")
POWER_PREFERENCE = ("tegra-power", "jtop", "tegrastats", "nvml", "rapl")
GPU_PREFERENCE = ("tegra-gpu", "jtop", "tegrastats", "nvml")


class SensorSelectionError(UserError, ValueError):
    """A user asked for a sensor that does not exist or does not work here."""


@dataclass(frozen=True)
class SourceStatus:
    """One probed source: whether it works here, why (not), what it found, and the live source object if any."""

    name: str
    available: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    source: Source | None = None


Factories = Mapping[str, Callable[[], Source]]
"""A constructor per source name: what probe_all builds and probes (tests pass their own, free of the host)."""


def source_factories(sysfs_root: str = "/sys") -> dict[str, Callable[[], Source]]:
    """This machine's constructors by name; imports are deferred so a missing optional module only disables its
    own source. The sysfs sources read under `sysfs_root`; jtop, tegrastats and NVML always ask the live machine."""

    def jtop() -> Source:
        from core.telemetry.jtop_source import JtopSource

        return JtopSource()

    def tegra_power() -> Source:
        from core.telemetry.tegra_power import TegraPowerSource

        return TegraPowerSource(root=sysfs_root)

    def tegra_gpu() -> Source:
        from core.telemetry.tegra_gpu import TegraGpuSource

        return TegraGpuSource(root=sysfs_root)

    def tegrastats() -> Source:
        from core.telemetry.tegrastats import TegrastatsSource

        return TegrastatsSource()

    def nvml() -> Source:
        from core.telemetry.nvml import NvmlSource

        return NvmlSource()

    def rapl() -> Source:
        from core.telemetry.rapl import RaplSource

        return RaplSource(root=sysfs_root)

    def host() -> Source:
        from core.telemetry.host import HostSource

        return HostSource()

    return {"jtop": jtop, "tegra-power": tegra_power, "tegra-gpu": tegra_gpu, "tegrastats": tegrastats,
            "nvml": nvml, "rapl": rapl, "host": host}  # fmt: skip


def probe_one(name: str, make: Callable[[], Source]) -> SourceStatus:
    """Build and probe one source; any failure becomes an unavailable status with its reason."""
    try:
        source = make()
    except Exception as exc:
        return SourceStatus(name, False, f"cannot create {name} source: {type(exc).__name__}: {exc}")
    try:
        probe = source.probe()
    except Exception as exc:
        probe = None
        reason = f"probe failed: {type(exc).__name__}: {exc}"
    if probe is None or not probe.available:
        try:
            source.close()
        except Exception:
            pass  # an unavailable source has nothing to release; its reason is what matters
        return SourceStatus(name, False, reason if probe is None else probe.reason)
    return SourceStatus(name, True, probe.reason, dict(probe.details), source)


def probe_all(
    sysfs_root: str = "/sys", names: Sequence[str] = DEFAULT_ORDER, factories: Factories | None = None
) -> list[SourceStatus]:
    """Every known source in DEFAULT_ORDER (or those in `names`), probed; available ones keep their live source.

    `factories` replaces source_factories(sysfs_root), so a caller decides what "this machine" offers.
    """
    made = source_factories(sysfs_root) if factories is None else factories
    return [probe_one(name, made[name]) for name in names]


def _close_unpicked(statuses: Sequence[SourceStatus], picked: Sequence[Source]) -> None:
    for status in statuses:
        if status.source is not None and not any(status.source is s for s in picked):
            try:
                status.source.close()
            except Exception:
                pass  # releasing an unused sensor must not block a run


def select_sources(statuses: Sequence[SourceStatus], only: Sequence[str] | None = None) -> list[Source]:
    """One power source, one GPU source and host, or exactly the sources named in `only` (user override).

    The sources not picked are closed, so a probed jtop connection or tegrastats process does not linger.
    Raises SensorSelectionError (one line) for an unknown or unavailable name in `only`.
    """
    by_name = {s.name: s for s in statuses}
    if only is not None:
        picked_names = list(dict.fromkeys(only))
        for name in picked_names:
            status = by_name.get(name)
            if status is None or not status.available:
                _close_unpicked(statuses, [])
            if status is None:
                raise SensorSelectionError(f"unknown sensor {name!r}; known: {', '.join(DEFAULT_ORDER)}")
            if not status.available:
                raise SensorSelectionError(
                    f"sensor {name!r} is not available here: {status.reason} (see `tocompress sensors`)"
                )
    else:
        picked_names = []
        for preference in (POWER_PREFERENCE, GPU_PREFERENCE, ("host",)):
            pick = next((n for n in preference if n in by_name and by_name[n].available), None)
            if pick is not None and pick not in picked_names:
                picked_names.append(pick)
    picked: list[Source] = [s for s in (by_name[name].source for name in picked_names) if s is not None]
    _close_unpicked(statuses, picked)
    return picked


def role_picks(available: Collection[str]) -> dict[str, str | None]:
    """The source each role would use among the `available` names (`tocompress sensors` marks them)."""
    return {
        "power": next((n for n in POWER_PREFERENCE if n in available), None),
        "gpu": next((n for n in GPU_PREFERENCE if n in available), None),
    }


def power_source_name(sources: Sequence[Source]) -> str | None:
    """The source the session integrates power from: the first in POWER_PREFERENCE among `sources`."""
    names = {s.name for s in sources}
    return next((n for n in POWER_PREFERENCE if n in names), None)


def _measure(
    source: Source, seconds: float, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, float, dict[str, float | None]]:
    """Back-to-back read rate, rate at which the readings changed (a cached source repeats itself), last readings."""
    reads = changes = 0
    last: dict[str, float | None] = {}
    start = clock()
    elapsed_s = 0.0
    while elapsed_s < seconds:
        readings = source.read()
        reads += 1
        changes += readings != last
        last = readings
        elapsed_s = clock() - start
    return reads / elapsed_s, changes / elapsed_s, last


def sensor_report(
    sysfs_root: str = "/sys", measure_s: float = 0.3, factories: Factories | None = None
) -> list[dict[str, Any]]:
    """Plain data for `tocompress sensors`: each source, whether it works and why, what it reads, how fast."""
    statuses = probe_all(sysfs_root, factories=factories)
    roles = {name: [role for role, pref in (("power", POWER_PREFERENCE), ("gpu", GPU_PREFERENCE)) if name in pref]
             for name in DEFAULT_ORDER}  # fmt: skip
    roles["host"] = ["memory", "cpu"]
    report = []
    for status in statuses:
        entry: dict[str, Any] = {
            "name": status.name,
            "available": status.available,
            "reason": status.reason,
            "roles": roles[status.name],
            "rails": None,
            "details": status.details,
            "readings": None,
            "achieved_rate_hz": None,
            "update_rate_hz": None,
            "default_rate_hz": None,
        }
        if status.source is not None:
            # the rate a run samples it at: about twice the sensor's own refresh (core.telemetry.rate)
            entry["default_rate_hz"] = matched_rate_hz(
                getattr(status.source, "update_interval_ms", None), status.source.default_rate_hz
            )
            try:
                rate_hz, update_hz, readings = _measure(status.source, measure_s)
                entry.update(achieved_rate_hz=rate_hz, update_rate_hz=update_hz, readings=readings)
                entry["rails"] = [
                    key[5:-9] for key in readings if key.startswith("rail_") and key.endswith("_power_mw")
                ]
            except Exception as exc:
                entry["reason"] = f"{status.reason}; but read failed: {type(exc).__name__}: {exc}"
            finally:
                status.source.close()
        report.append(entry)
    return report
