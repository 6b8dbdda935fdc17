"""RAPL power from energy counters. The powercap tree is laid out under tmp_path exactly as Linux exposes it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.telemetry.rapl import RaplSource, counter_delta_uj, find_zones

MAX_UJ = 262_143_328_850  # a real package max_energy_range_uj (Skylake server)


def write_zone(base: Path, name: str, zone: str, energy_uj: int, max_uj: int = MAX_UJ) -> Path:
    d = base / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "name").write_text(zone + "\n")
    (d / "energy_uj").write_text(f"{energy_uj}\n")
    (d / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return d


def make_powercap(root: Path, dram: bool = True) -> Path:
    """One package with core and (optionally) dram subzones, plus the mmio mirror that must not be counted."""
    base = root / "class" / "powercap"
    (base / "intel-rapl").mkdir(parents=True)  # the control-type directory (has `enabled`, no counter)
    (base / "intel-rapl" / "enabled").write_text("1\n")
    write_zone(base, "intel-rapl:0", "package-0", 1_000_000)
    write_zone(base, "intel-rapl:0:0", "core", 500_000)
    if dram:
        write_zone(base, "intel-rapl:0:1", "dram", 2_000_000, max_uj=65_712_999_613)
    write_zone(base, "intel-rapl-mmio:0", "package-0", 7)
    return base


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def set_counter(base: Path, zone: str, energy_uj: int) -> None:
    (base / zone / "energy_uj").write_text(f"{energy_uj}\n")


def test_zones_found_and_mirror_ignored(tmp_path):
    make_powercap(tmp_path)
    zones = find_zones(str(tmp_path))
    assert sorted((os.path.basename(z.path), z.name) for z in zones) == [
        ("intel-rapl:0", "package-0"),
        ("intel-rapl:0:1", "dram"),
    ]
    probe = RaplSource(str(tmp_path)).probe()
    assert probe.available
    assert probe.details["zones"] == {"package-0": "intel-rapl:0", "dram": "intel-rapl:0:1"}


def test_power_from_counter_differences(tmp_path):
    base = make_powercap(tmp_path)
    clock = Clock()
    source = RaplSource(str(tmp_path), clock=clock)
    first = source.read()
    assert first == {"power_mw": None, "pkg_power_mw": None, "dram_power_mw": None, "energy_uj": 0.0}
    clock.now += 0.5
    set_counter(base, "intel-rapl:0", 1_000_000 + 7_500_000)  # 7.5 J in 0.5 s = 15 W
    set_counter(base, "intel-rapl:0:1", 2_000_000 + 1_000_000)  # 1 J in 0.5 s = 2 W
    r = source.read()
    assert r["pkg_power_mw"] == pytest.approx(15_000.0)
    assert r["dram_power_mw"] == pytest.approx(2_000.0)
    assert r["power_mw"] == pytest.approx(17_000.0)
    assert r["energy_uj"] == 7_500_000.0


def test_counter_wraparound(tmp_path):
    assert counter_delta_uj(MAX_UJ - 1_000, 500, MAX_UJ) == 1_500
    base = make_powercap(tmp_path)
    set_counter(base, "intel-rapl:0", MAX_UJ - 1_000_000)
    clock = Clock()
    source = RaplSource(str(tmp_path), clock=clock)
    source.read()
    clock.now += 0.1
    set_counter(base, "intel-rapl:0", 2_000_000)  # wrapped: 1 J before the wrap + 2 J after = 3 J in 0.1 s
    r = source.read()
    assert r["pkg_power_mw"] == pytest.approx(30_000.0)
    assert r["energy_uj"] == 3_000_000.0


def test_without_dram_zone_dram_power_is_none(tmp_path):
    base = make_powercap(tmp_path, dram=False)
    clock = Clock()
    source = RaplSource(str(tmp_path), clock=clock)
    source.read()
    clock.now += 1.0
    set_counter(base, "intel-rapl:0", 3_000_000)
    r = source.read()
    assert r["pkg_power_mw"] == pytest.approx(2_000.0)
    assert r["dram_power_mw"] is None
    assert r["power_mw"] == pytest.approx(2_000.0)


def test_vanished_counter_gives_none_then_recovers(tmp_path):
    base = make_powercap(tmp_path)
    clock = Clock()
    source = RaplSource(str(tmp_path), clock=clock)
    source.read()
    os.remove(base / "intel-rapl:0" / "energy_uj")
    clock.now += 0.1
    assert source.read()["pkg_power_mw"] is None
    set_counter(base, "intel-rapl:0", 5_000_000)
    clock.now += 0.1
    assert source.read()["pkg_power_mw"] is None  # first read after coming back: no interval yet
    set_counter(base, "intel-rapl:0", 6_000_000)
    clock.now += 0.1
    assert source.read()["pkg_power_mw"] == pytest.approx(10_000.0)


def test_probe_reasons(tmp_path):
    assert RaplSource(str(tmp_path)).probe().reason.startswith("no powercap directory at")
    (tmp_path / "class" / "powercap").mkdir(parents=True)
    assert "no intel-rapl:<N> package zone" in RaplSource(str(tmp_path)).probe().reason
    assert set(RaplSource(str(tmp_path)).read().values()) == {None}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of mode")
def test_probe_permission_denied_says_root_only(tmp_path):
    base = make_powercap(tmp_path)
    (base / "intel-rapl:0" / "energy_uj").chmod(0o200)  # as on Linux >= 5.10: the counter is root-only
    probe = RaplSource(str(tmp_path)).probe()
    assert not probe.available
    assert probe.reason.startswith("permission denied reading")
    assert "root-only" in probe.reason


def test_a_root_without_powercap_says_why_unavailable(tmp_path):
    probe = RaplSource(str(tmp_path)).probe()
    assert not probe.available
    assert (
        probe.reason == f"no powercap directory at {tmp_path}/class/powercap (no RAPL driver on this machine)"
    )
