"""core.run.replay: a recording's events and readings played on one timeline (a written trace, no hardware)."""

from __future__ import annotations

import json
import threading

import pytest

from core.run.replay import ReplaySession, Timeline

HEADER = {"format": "tocompress-telemetry", "version": 1, "t0": 100.0, "note": "unit test",
          "sources": {"tegra-power": {"available": True, "reason": "rails", "details": {}},
                      "jtop": {"available": False, "reason": "not active", "details": {}}}}  # fmt: skip


def write(path, events, until=102.0):
    lines = [HEADER]
    n = int(round((until - 100.0) / 0.01))
    for i in range(n + 1):
        t = 100.0 + 0.01 * i
        lines.append(
            {"t": t, "source": "tegra-power", "readings": {"power_mw": 1000.0 if t < 101.0 else 5000.0}}
        )
    lines += [{"t": e.get("t", 0.0), "event": e} for e in events]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


EVENTS = [
    {"type": "session", "state": "idle-done", "idle_power_w": 1.0, "t": 100.5},
    {"type": "hello", "variant": "q8", "spec": {"model": "digits-cnn"}, "t": 100.6},
    {"type": "phase", "variant": "q8", "name": "timing", "t": 101.0},
    {"type": "progress", "variant": "q8", "iter": 10, "t": 101.5},
    {"type": "session-result", "result": {"status": "complete"}, "t": 102.0},
]


def test_events_and_readings_share_the_recorded_timeline(tmp_path):
    seen = []
    session = None

    def on_event(event):
        seen.append((event["type"], session.sampler.latest().get("power_mw")))

    session = ReplaySession(write(tmp_path / "r.jsonl", EVENTS), on_event, speed=5.0)
    assert session.model == "digits-cnn" and session.variants == ["q8"] and session.duration_s == 2.0
    assert [(s.name, s.available) for s in session.statuses] == [("tegra-power", True), ("jtop", False)]
    assert session.run() == {"status": "complete"}
    assert [kind for kind, _ in seen] == ["session", "hello", "phase", "progress"]  # the result is returned
    assert seen[0][1] == 1000.0  # idle, half a second before the load
    assert seen[3][1] == 5000.0  # half a second into the load
    assert session.idle_power_w == 1.0


def test_cancel_stops_a_replay_without_a_result(tmp_path):
    session = ReplaySession(write(tmp_path / "r.jsonl", EVENTS, until=160.0), speed=1.0)
    threading.Timer(0.2, session.cancel).start()
    assert session.run() is None
    assert not session.sampler.running


def test_a_recording_without_events_still_plays_its_telemetry(tmp_path):
    session = ReplaySession(write(tmp_path / "r.jsonl", []), speed=20.0)
    assert session.variants == [] and session.model is None and session.duration_s == 2.0
    assert session.run() is None
    assert len(session.sampler.snapshot()["tegra-power"]) > 2


def test_timeline_maps_recorded_time_to_the_clock():
    now = [10.0]
    timeline = Timeline(origin=500.0, speed=4.0, clock=lambda: now[0])
    assert timeline.now() == 500.0
    timeline.start()
    now[0] = 12.0
    assert timeline.now() == 508.0 and timeline.due(520.0) == 15.0


def test_a_speed_that_is_not_positive_is_refused(tmp_path):
    with pytest.raises(ValueError, match="speed"):
        ReplaySession(write(tmp_path / "r.jsonl", EVENTS), speed=0)
