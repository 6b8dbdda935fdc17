"""core.telemetry.rig against a TX2 board tree under a temp dir (tests/fixtures/boards.py): nothing on the host
is probed, so the results are the same on a laptop, a CI runner or a Jetson."""

from __future__ import annotations

import threading

import pytest

from core.telemetry import rig as rig_module
from core.telemetry.base import Probe
from core.telemetry.detect import SensorSelectionError, SourceStatus
from core.telemetry.replay import load_trace
from core.telemetry.rig import TelemetryRig, resolve_probes, without_sources
from tests.fixtures.boards import make_tx2_tree

IDLE_MW = 2500


@pytest.fixture
def tx2(tmp_path):
    """A TX2 tree whose VDD_IN power file reads IDLE_MW."""
    root = make_tx2_tree(tmp_path / "sys")
    (vdd_in,) = [
        p
        for p in root.glob("bus/i2c/drivers/ina3221x/*/iio:device*/rail_name_*")
        if p.read_text().strip() == "VDD_IN"
    ]
    vdd_in.with_name(vdd_in.name.replace("rail_name_", "in_power") + "_input").write_text(f"{IDLE_MW}\n")
    return str(root)


# What the dashboard's probe found on the board, handed on as plain data (no live source objects).
PROBED_TX2 = [
    SourceStatus("jtop", False, "jtop.service is not active"),
    SourceStatus("tegra-power", True, "INA3221 rails"),
    SourceStatus("tegra-gpu", True, "GPU load file"),
    SourceStatus("tegrastats", False, "tegrastats is not on PATH"),
    SourceStatus("nvml", False, "no NVIDIA driver"),
    SourceStatus("host", True, "psutil"),
]


class CountingSource:
    name = "host"
    default_rate_hz = 50.0

    def __init__(self) -> None:
        self.pid = None
        self.closed = False

    def probe(self) -> Probe:
        return Probe(True, "test")

    def read(self) -> dict[str, float | None]:
        return {"rss_bytes": 1.0}

    def set_pid(self, pid) -> None:
        self.pid = pid

    def close(self) -> None:
        self.closed = True


def test_plain_probe_results_reprobe_only_the_available_sources(tx2, monkeypatch):
    asked = []
    real_probe_all = rig_module.probe_all

    def probe_all(root, names=None):
        asked.append(list(names) if names is not None else "everything")
        return real_probe_all(root, names) if names is not None else real_probe_all(root)

    monkeypatch.setattr(rig_module, "probe_all", probe_all)
    rig = TelemetryRig(tx2, probes=PROBED_TX2)
    statuses = rig.start()
    try:
        assert asked == [["tegra-power", "tegra-gpu", "host"]]  # jtop, tegrastats, nvml are not touched again
        assert [s.name for s in rig.sampler.sources] == ["tegra-power", "tegra-gpu", "host"]
        assert rig.power_source == "tegra-power"
        assert [s.available for s in statuses] == [False, True, True, False, False, True]
    finally:
        rig.close()


def test_live_probe_sources_are_used_as_they_are_and_closed_at_stop(tmp_path, monkeypatch):
    monkeypatch.setattr(rig_module, "probe_all", lambda *a, **k: pytest.fail("probed again"))
    source = CountingSource()
    rig = TelemetryRig(str(tmp_path), probes=[SourceStatus("host", True, "test", {}, source)])
    rig.start()
    assert rig.sampler.sources == [source] and rig.power_source is None
    rig.set_worker_pid(4242)
    assert source.pid == 4242
    rig.set_worker_pid(None)
    assert source.pid is None
    rig.stop()
    assert source.closed


def test_idle_power_is_the_mean_over_the_idle_seconds(tx2):
    rig = TelemetryRig(tx2, probes=PROBED_TX2)
    rig.start()
    try:
        assert rig.measure_idle(0.3) == pytest.approx(IDLE_MW / 1000)
        assert rig.idle_power_w == pytest.approx(IDLE_MW / 1000)
    finally:
        rig.close()


def test_idle_is_none_when_cancelled_or_without_power(tx2, tmp_path):
    rig = TelemetryRig(tx2, probes=PROBED_TX2)
    rig.start()
    cancel = threading.Event()
    cancel.set()
    try:
        assert rig.measure_idle(5.0, cancel) is None
    finally:
        rig.close()
    no_power = TelemetryRig(str(tmp_path), probes=[SourceStatus("host", True, "psutil")])
    no_power.start()
    try:
        assert no_power.power_source is None and no_power.measure_idle(0.1) is None
    finally:
        no_power.close()


def test_only_picks_named_sources_and_refuses_an_unavailable_one(tx2):
    rig = TelemetryRig(tx2, only=["tegra-gpu"], probes=PROBED_TX2)
    rig.start()
    try:
        assert [s.name for s in rig.sampler.sources] == ["tegra-gpu"] and rig.power_source is None
    finally:
        rig.close()
    with pytest.raises(SensorSelectionError, match="jtop"):
        TelemetryRig(tx2, only=["jtop"], probes=PROBED_TX2).start()


def test_recording_holds_the_readings_the_events_and_the_probe(tx2, tmp_path):
    path = tmp_path / "rec.jsonl"
    rig = TelemetryRig(tx2, probes=PROBED_TX2, record_path=path, rates_hz={"tegra-power": 100.0})
    rig.start()
    rig.measure_idle(0.2)
    rig.record_event({"type": "session", "state": "idle-done", "t": 1.0, "idle_power_w": rig.idle_power_w})
    rig.close()
    assert rig.sampler.rates_hz["tegra-power"] == 100.0
    trace = load_trace(path)
    assert {"tegra-power", "tegra-gpu", "host"} <= set(trace.t)
    assert trace.readings["tegra-power"][0]["power_mw"] == IDLE_MW
    assert trace.events[-1]["idle_power_w"] == pytest.approx(IDLE_MW / 1000)
    assert trace.header["sources"]["jtop"]["reason"] == "jtop.service is not active"


def test_resolve_keeps_live_sources_and_unavailable_statuses(tmp_path):
    source = CountingSource()
    live = SourceStatus("host", True, "test", {}, source)
    absent = SourceStatus("nvml", False, "no driver")
    assert resolve_probes([absent, live], str(tmp_path)) == [absent, live]
    assert without_sources([live])[0].source is None and live.source is source


def test_a_rig_without_displayed_rails_reads_board_power_only(tmp_path):
    """`tocompress run` shows no rails: its power source reads the input rail alone (one read per sample)."""
    from core.telemetry.rig import TelemetryRig
    from tests.fixtures.boards import make_tx2_tree

    rig = TelemetryRig(str(make_tx2_tree(tmp_path)), only=["tegra-power"], read_rails=False)
    rig.start()
    try:
        source = rig.sampler.sources[0]
        assert source.name == "tegra-power" and source.total_only
        assert set(source.read()) == {"rail_VDD_IN_power_mw", "power_mw"}
    finally:
        rig.close()
