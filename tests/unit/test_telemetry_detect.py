"""Source detection and selection. Board trees are laid out under tmp_path as on the boards (tests/fixtures/boards.py
and a powercap tree), with jtop, tegrastats and NVML absent by injection (tests/fixtures/sensors.py), so the answers
are the same on a Jetson or a GPU box; the role-preference tests use small scripted sources (the Source protocol)."""

from __future__ import annotations

import pytest

from core.telemetry.base import Probe
from core.telemetry.detect import (
    DEFAULT_ORDER,
    SensorSelectionError,
    SourceStatus,
    _measure,
    power_source_name,
    probe_all,
    probe_one,
    role_picks,
    select_sources,
    sensor_report,
)
from tests.fixtures.boards import make_tx2_tree
from tests.fixtures.sensors import host_free_factories
from tests.unit.test_telemetry_rapl import make_powercap


class Scripted:
    def __init__(self, name: str, available: bool = True) -> None:
        self.name = name
        self.default_rate_hz = 10.0
        self.available = available
        self.closed = False

    def probe(self) -> Probe:
        return Probe(
            self.available, "ok" if self.available else f"{self.name} missing", {"rails": ["VDD_IN"]}
        )

    def read(self) -> dict[str, float | None]:
        return {"power_mw": 1.0}

    def close(self) -> None:
        self.closed = True


def statuses(*available: str) -> list[SourceStatus]:
    return [probe_one(name, lambda name=name: Scripted(name, name in available)) for name in DEFAULT_ORDER]


def names(sources) -> list[str]:
    return [s.name for s in sources]


def test_probe_all_on_an_empty_root_has_every_source_in_order_with_reasons(tmp_path):
    found = probe_all(str(tmp_path), factories=host_free_factories(tmp_path))
    try:
        assert [s.name for s in found] == list(DEFAULT_ORDER)
        by_name = {s.name: s for s in found}
        assert by_name["host"].available and by_name["host"].source is not None
        assert not by_name["tegra-power"].available and by_name["tegra-power"].reason.startswith(
            "no ina3221 under"
        )
        assert by_name["rapl"].reason.startswith("no powercap directory at")
        assert all(s.reason for s in found)
        assert all((s.source is None) == (not s.available) for s in found)
    finally:
        select_sources(found, only=[])  # closes everything


def test_tx2_tree_selects_sysfs_power_and_gpu_plus_host(tmp_path):
    make_tx2_tree(tmp_path)
    picked = select_sources(probe_all(str(tmp_path), factories=host_free_factories(tmp_path)))
    try:
        assert names(picked) == ["tegra-power", "tegra-gpu", "host"]
        assert power_source_name(picked) == "tegra-power"
        # VDD_IN as written in the tree
        assert picked[0].read()["power_mw"] == pytest.approx(19104 * 148 // 1000)
    finally:
        for source in picked:
            source.close()


def test_rapl_tree_is_found(tmp_path):
    make_powercap(tmp_path)
    by_name = {s.name: s for s in probe_all(str(tmp_path), factories=host_free_factories(tmp_path))}
    assert by_name["rapl"].available
    select_sources(list(by_name.values()), only=[])


def test_preference_one_power_one_gpu_and_host():
    assert names(select_sources(statuses("jtop", "tegra-power", "tegra-gpu", "tegrastats", "host"))) == [
        "tegra-power", "tegra-gpu", "host"]  # fmt: skip
    # jtop covers both roles
    assert names(select_sources(statuses("jtop", "tegrastats", "host"))) == ["jtop", "host"]
    assert names(select_sources(statuses("tegra-gpu", "tegrastats", "host"))) == [
        "tegrastats",
        "tegra-gpu",
        "host",
    ]
    assert names(select_sources(statuses("nvml", "rapl", "host"))) == ["nvml", "host"]
    assert names(select_sources(statuses("rapl", "host"))) == ["rapl", "host"]
    assert names(select_sources(statuses("host"))) == ["host"]


def test_unpicked_sources_are_closed():
    found = statuses("jtop", "tegra-power", "tegra-gpu", "host")
    select_sources(found)
    closed = {s.name: s.source.closed for s in found if s.source is not None}
    assert closed == {"jtop": True, "tegra-power": False, "tegra-gpu": False, "host": False}


def test_user_override_and_its_errors():
    assert names(select_sources(statuses("jtop", "tegra-power", "host"), only=["jtop", "host"])) == [
        "jtop",
        "host",
    ]
    with pytest.raises(SensorSelectionError, match="unknown sensor 'ina'; known: jtop, tegra-power"):
        select_sources(statuses("host"), only=["ina"])
    found = statuses("host")
    with pytest.raises(SensorSelectionError, match="sensor 'nvml' is not available here: nvml missing"):
        select_sources(found, only=["nvml"])
    assert found[-1].source.closed  # nothing probed is left open after the error


def test_probe_one_turns_failures_into_reasons():
    def broken():
        raise RuntimeError("no such board")

    status = probe_one("jtop", broken)
    assert not status.available
    assert status.reason == "cannot create jtop source: RuntimeError: no such board"


def test_measure_rate_counts_reads_per_second_of_reading():
    ticks = iter(range(100))

    def clock() -> float:  # 10 ms per read: 5 reads fill the 50 ms asked for
        return next(ticks) / 100

    assert _measure(Scripted("x"), seconds=0.05, clock=clock)[0] == pytest.approx(100.0)


def test_role_picks_follow_the_preference_lists():
    assert role_picks({"rapl", "nvml", "host"}) == {"power": "nvml", "gpu": "nvml"}
    assert role_picks({"tegra-gpu", "tegrastats"}) == {"power": "tegrastats", "gpu": "tegra-gpu"}
    assert role_picks({"host"}) == {"power": None, "gpu": None}


def test_sensor_report_on_a_tx2_tree(tmp_path):
    make_tx2_tree(tmp_path)
    report = {
        entry["name"]: entry
        for entry in sensor_report(str(tmp_path), measure_s=0.05, factories=host_free_factories(tmp_path))
    }
    assert list(report) == list(DEFAULT_ORDER)
    power = report["tegra-power"]
    assert power["available"] and power["roles"] == ["power"]
    assert "VDD_IN" in power["rails"] and "VDD_SYS_GPU" in power["rails"]
    assert power["readings"]["power_mw"] == pytest.approx(2827.0)
    assert power["achieved_rate_hz"] > 0 and power["update_rate_hz"] > 0  # measured, not left None
    assert report["tegra-gpu"]["readings"]["gpu_load_pct"] == pytest.approx(73.4)
    assert report["host"]["readings"]["ram_total_bytes"] > 0
    assert report["rapl"]["achieved_rate_hz"] is None and report["rapl"]["reason"]
