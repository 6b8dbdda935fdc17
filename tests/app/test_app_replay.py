"""`tocompress --replay FILE`: a run recorded with `tocompress run --record` drives the live panels again.

fixtures/run_q8.jsonl was recorded on this 2-core machine (no board sensors: host telemetry and worker events).
"""

from __future__ import annotations

import time
from pathlib import Path

from tui.screens.run import RunScreen
from tui.screens.setup import SetupScreen

RECORDING = Path(__file__).parent / "fixtures" / "run_q8.jsonl"


async def test_replay_plays_events_and_telemetry_then_escape_goes_back(build_app, text_of):
    app = build_app(replay=RECORDING, replay_speed=20.0)
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 20
        while app.live is None or app.live.result is None:
            assert time.monotonic() < deadline, "the replay did not finish"
            await pilot.pause(0.1)
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await pilot.pause(0.5)  # one more refresh tick after the last event
        assert [v.status for v in app.live.variants.values()] == ["complete", "complete"]
        assert all(v.latency and v.ops and v.eval for v in app.live.variants.values())
        assert "q8" in text_of(screen.query_one("#ops")) and "A conv" in text_of(screen.query_one("#ops"))
        memory = text_of(screen.query_one("#memory-bars"))
        assert "worker RSS" in memory and "MiB / " in memory.splitlines()[0]  # replayed host telemetry
        assert ("info", "replay finished (Escape goes back)") in app.live.log
        await pilot.press("escape")
        assert isinstance(app.screen, SetupScreen)


async def test_no_screen_breaks_when_the_terminal_is_resized(build_app, result_q8):
    """Resize through tiny, huge and back to 80x24 on the live, results and setup screens; nothing raises."""
    app = build_app(replay=RECORDING, replay_speed=5.0)

    async def resize_around(pilot) -> None:
        for size in ((40, 12), (200, 60), (100, 30), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.3)
            assert app.screen.size == size and app.is_running

    async with app.run_test(size=(80, 24)) as pilot:
        await resize_around(pilot)  # the live screen, while the replay plays
        app.show_result(result_q8)
        await resize_around(pilot)
        app.pop_screen()
        while app.live.result is None:
            await pilot.pause(0.1)
        await pilot.press("escape")
        assert isinstance(app.screen, SetupScreen)
        await resize_around(pilot)


async def test_a_fresh_recording_replays_to_its_results(build_app, q8_run):
    """A recording made now (tests/conftest.py's real run, with --record) ends on the results it produced."""
    from tui.screens.results import ResultsScreen

    app = build_app(replay=q8_run["dir"] / "rec.jsonl", replay_speed=10.0)
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 30
        while not isinstance(app.screen, ResultsScreen):
            assert time.monotonic() < deadline, "the replay did not reach the results screen"
            await pilot.pause(0.1)
        await pilot.pause(0.3)  # let the new screen settle before the test tears the app down
        assert app.live.model == "digits-cnn" and app.live.variant_names == ["baseline", "q8"]
        assert app.live.result["comparison"] == q8_run["data"]["comparison"]


async def test_the_shipped_demo_plays_its_whole_span_with_moving_plots_and_ends_on_results(
    build_app, monkeypatch
):
    """assets/traces/tx2-digits-cnn-q8.jsonl.gz at 8x: power and GPU plots are fed over the whole recording."""
    from core.paths import asset
    from tui.screens.results import ResultsScreen
    from tui.widgets.plots import TimePlot

    speed = 8.0
    draws: dict[str, list[tuple[int, float, float]]] = {"power-plot": [], "load-plot": []}
    real_draw = TimePlot.draw

    def draw(self, lines, t0, *args, **kwargs):
        if self.id in draws and lines:
            t, y = lines[0][0], lines[0][1]  # power in W; the GPU line comes first on the load plot
            draws[self.id].append((len(t), float(t[-1] - t[0]), float(y.max())))
        return real_draw(self, lines, t0, *args, **kwargs)

    monkeypatch.setattr(TimePlot, "draw", draw)
    monkeypatch.setattr(TimePlot, "min_interval_s", 0.0)
    app = build_app(replay=asset("traces", "tx2-digits-cnn-q8.jsonl.gz"), replay_speed=speed)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.sub_title == "digits-cnn: baseline vs q8"
        span_s = app.session.duration_s / speed  # the recording's span, in real seconds at this speed
        deadline = time.monotonic() + span_s + 30
        while not isinstance(app.screen, ResultsScreen):
            assert time.monotonic() < deadline, "the demo did not reach its results"
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        assert app.screen.result["status"] == "complete"
        assert [r["variant"] for r in app.screen.result["runs"]] == ["baseline", "q8"]
    idle_w = app.live.idle_power_w
    for name, rise in (("power-plot", idle_w + 2.0), ("load-plot", 50.0)):
        points, spans, peaks = zip(*draws[name], strict=True)
        assert len(points) >= 10, f"{name} drawn {len(points)} times"
        assert max(points) >= 100, f"{name} got at most {max(points)} points"
        assert max(spans) >= 0.8 * span_s, f"{name} covered {max(spans):.1f} of {span_s:.1f} s"
        assert max(peaks) > rise  # inference shows: power above idle, the GPU busy
