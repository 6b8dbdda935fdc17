"""Record a sampler run to a trace and play it back as a live source (scripted source, no hardware)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from core.telemetry.base import Probe
from core.telemetry.replay import Recorder, load_trace
from core.telemetry.sampler import Sampler
from tests.fixtures.replay_source import ReplaySource


class RampSource:
    name = "ramp"
    default_rate_hz = 200.0

    def __init__(self) -> None:
        self.n = 0

    def probe(self) -> Probe:
        return Probe(True, "scripted ramp", {"rails": ["VDD_IN"]})

    def read(self) -> dict[str, float | None]:
        self.n += 1
        return {"power_mw": 1000.0 + self.n, "gpu_load_pct": None if self.n % 2 else 50.0}

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def wait_until(reached, timeout_s: float = 10.0) -> None:
    """Poll until `reached()` holds; the timeout guards against a hang and says nothing about speed."""
    deadline = time.monotonic() + timeout_s
    while not reached():
        assert time.monotonic() < deadline, "the sampler never got there"
        time.sleep(0.005)


def write_trace(path, rows, header=None):
    header = header or {"format": "tocompress-telemetry", "version": 1, "t0": 0.0, "note": "", "sources": {}}
    lines = [json.dumps(header)] + [json.dumps({"t": t, "source": s, "readings": r}) for t, s, r in rows]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("name", ["trace.jsonl", "trace.jsonl.gz"])
def test_record_then_load_round_trip(tmp_path, name):
    path = tmp_path / name
    source = RampSource()
    with Recorder(path, {"ramp": source.probe()}, note="unit test") as recorder:
        sampler = Sampler([recorder.wrap(source)])
        sampler.start()
        wait_until(lambda: source.n >= 5)
        recorder.write_event(
            {"v": 1, "type": "window", "t": 12.5, "variant": "q8", "t0": 1.0, "t1": 2.0, "n": 5}
        )
        sampler.stop()
    trace = load_trace(path)
    assert trace.header["note"] == "unit test"
    assert trace.header["sources"]["ramp"] == {"available": True, "reason": "scripted ramp",
                                               "details": {"rails": ["VDD_IN"]}}  # fmt: skip
    recorded = [r["power_mw"] for r in trace.readings["ramp"]]
    assert recorded == [1000.0 + i for i in range(1, source.n + 1)]
    assert trace.readings["ramp"][0]["gpu_load_pct"] is None  # None survives as null
    assert trace.events == [
        {"v": 1, "type": "window", "t": 12.5, "variant": "q8", "t0": 1.0, "t1": 2.0, "n": 5}
    ]
    live = sampler.snapshot()["ramp"]
    np.testing.assert_allclose(trace.t["ramp"], live.t, atol=0.01)  # recorded times match the sampler's rows


def test_wrapped_source_keeps_its_other_attributes(tmp_path):
    from core.telemetry.host import HostSource

    with Recorder(tmp_path / "t.jsonl") as recorder:
        wrapped = recorder.wrap(HostSource())
        wrapped.set_pid(1)  # the session points host at the worker through the wrapper
        assert wrapped.pid == 1 and wrapped.name == "host"


def test_replay_returns_the_row_at_the_elapsed_time(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [(10.0 + 0.1 * i, "tegra-power", {"power_mw": 100.0 * i}) for i in range(11)]
    rows.append((10.05, "host", {"rss_bytes": 1.0}))
    write_trace(path, rows)
    clock = Clock()
    replay = ReplaySource(path, "tegra-power", clock=clock)
    assert replay.probe().available
    assert replay.default_rate_hz == pytest.approx(10.0)
    assert replay.read() == {"power_mw": 0.0}  # the first read starts the clock
    clock.now += 0.35
    assert replay.read() == {"power_mw": 300.0}
    clock.now += 0.65
    assert replay.read() == {"power_mw": 1000.0}
    clock.now += 0.5
    assert replay.read() == {"power_mw": None}  # trace over: the sensor is gone, not zero


def test_replay_speed_and_loop(tmp_path):
    path = tmp_path / "t.jsonl"
    write_trace(path, [(float(i), "s", {"x": float(i)}) for i in range(4)])  # 0..3 s, one row a second
    clock = Clock()
    replay = ReplaySource(path, "s", speed=2.0, loop=True, clock=clock)
    replay.read()
    clock.now += 1.0  # 2 s of recording
    assert replay.read() == {"x": 2.0}
    clock.now += 1.25  # 4.5 s: one lap is 4 s (3 s + one interval), so 0.5 s into the second lap
    assert replay.read() == {"x": 0.0}


def test_replay_probe_says_why_it_cannot_play(tmp_path):
    missing = ReplaySource(tmp_path / "nope.jsonl", "s").probe()
    assert not missing.available and "trace unreadable" in missing.reason
    bad = tmp_path / "bad.jsonl"
    write_trace(bad, [(0.0, "s", {"x": 1.0})])
    bad.write_text(bad.read_text() + "{not json\n")
    assert "line 3 is not JSON" in ReplaySource(bad, "s").probe().reason
    other = tmp_path / "other.jsonl"
    write_trace(other, [(0.0, "host", {"x": 1.0})])
    assert ReplaySource(other, "tegra-power").probe().reason.endswith("(sources there: host)")
    plain = tmp_path / "plain.jsonl"
    plain.write_text('{"t": 0, "source": "s", "readings": {}}\n')
    assert "not a tocompress-telemetry trace" in ReplaySource(plain, "s").probe().reason


def test_replay_feeds_a_live_sampler(tmp_path):
    path = tmp_path / "t.jsonl"
    write_trace(path, [(0.01 * i, "tegra-power", {"power_mw": 5000.0}) for i in range(100)])
    sampler = Sampler([ReplaySource(path, "tegra-power")], rates_hz={"tegra-power": 100.0})
    sampler.start()
    wait_until(lambda: len(sampler.snapshot()["tegra-power"]) >= 10)
    sampler.stop()
    s = sampler.snapshot()["tegra-power"]
    assert np.all(s.values["power_mw"] == 5000.0)


def test_shipped_demo_trace_plays_and_shows_the_bursts():
    from core.paths import asset
    from core.telemetry.energy import idle_power_w, power_summary

    path = asset("traces", "tx2-synthetic.jsonl.gz")
    trace = load_trace(path)
    assert trace.header["note"].startswith("synthetic:")
    assert set(trace.t) == {"tegra-power", "tegra-gpu", "host"}
    for name in trace.t:
        assert ReplaySource(path, name).probe().available
    t = trace.t["tegra-power"]
    power_mw = np.array([row["power_mw"] for row in trace.readings["tegra-power"]], dtype=float)
    t0 = t[0]
    idle_w = idle_power_w(t, power_mw, t0, t0 + 2.9)
    bursts = [(t0 + 3.1, t0 + 4.9), (t0 + 5.6, t0 + 7.4), (t0 + 8.1, t0 + 9.9)]
    summary = power_summary(t, power_mw, bursts, 100, idle_w, source="tegra-power", rail="VDD_IN")
    assert 2.5 < idle_w < 3.2  # the TX2 tree's idle VDD_IN, 19.1 V x 148 mA
    assert summary["mean_w"] > idle_w + 3.0  # the synthetic load adds ~5 W on VDD_IN
    assert summary["energy_j_per_inference"] > 0
