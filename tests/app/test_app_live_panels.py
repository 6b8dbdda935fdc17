"""The live panels fed by the real Sampler replaying a recorded TX2 trace (assets/traces/tx2-synthetic.jsonl.gz),
and the run state built from protocol events; no worker process, so this runs in a second.

The trace stands in for the board: TX2 INA3221 rails at 100 Hz, GPU load at 20 Hz, host readings at 10 Hz.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest

from core.paths import asset
from core.telemetry.detect import SourceStatus
from core.telemetry.sampler import Sampler
from tests.fixtures.boards import TX2_MONITORS
from tests.fixtures.replay_source import ReplaySource
from tui.screens.run import LiveRun, RunScreen
from tui.widgets.ops import OpsPanel

TRACE = asset("traces", "tx2-synthetic.jsonl.gz")
SPEED = 4.0  # 4 s of trace per second: past the 3 s idle start into the first inference burst

# Events as the worker and session send them (core/worker/protocol.py), for one variant partway through.
EVENTS = [
    {"type": "session", "state": "worker-start", "variant": "baseline"},
    {"type": "hello", "pid": 4242, "tensorflow": "2.21.0", "backend": "gpu", "variant": "baseline"},
    {"type": "phase", "variant": "baseline", "name": "load", "rss_bytes": 300e6},
    {"type": "model", "variant": "baseline", "params": 151306, "nonzero_params": 151306, "size_bytes": 606130},
    {"type": "phase", "variant": "baseline", "name": "timing", "rss_bytes": 400e6},
    {"type": "progress", "variant": "baseline", "phase": "timing", "iter": 40, "elapsed_s": 0.2, "mean_s": 0.0021,
     "ci95_halfwidth_pct": 9.5, "target_pct": 5.0},
    {"type": "progress", "variant": "baseline", "phase": "timing", "iter": 90, "elapsed_s": 0.4, "mean_s": 0.0020,
     "ci95_halfwidth_pct": 4.2, "target_pct": 5.0},
    {"type": "log", "level": "warning", "message": "CPU frequency scaling is on", "variant": "baseline"},
    {"type": "phase", "variant": "baseline", "name": "tracing", "rss_bytes": 410e6},
    {"type": "ops", "variant": "baseline", "passes": 1, "final": False, "total_s": 0.002,
     "by_class": {"A": 0.0012, "B": 0.0004, "C": 0.0002, "E": 0.0002}, "by_type": {"Conv2D": 0.0012, "MatMul": 0.0004}},
]  # fmt: skip

SENSORS_TX2 = [
    SourceStatus("tegra-power", True, "12 INA3221 rails; power_mw = input rail VDD_IN"),
    SourceStatus("tegra-gpu", True, "GPU load from devices/gpu.0/load"),
    SourceStatus("host", True, "psutil reads /proc"),
]


TX2_RAILS = {name for monitor in TX2_MONITORS.values() for name, _mv, _ma in monitor}


def shown_rails(text: str) -> list[tuple[str, float]]:
    """(rail, watts) pairs as the rails line shows them ("VDD_IN 2.83 W  VDD_MUX 3.91 W ..."), a cut-off tail dropped."""
    return [(name, float(watts)) for name, watts in re.findall(r"(\w+) (\d+\.\d+) W", text)]


def plot_text(plot) -> str:
    """The characters a plot widget shows now."""
    return "\n".join(plot.render_line(y).text for y in range(plot.size.height))


async def wait_until(pilot, condition, what: str, timeout_s: float = 20.0) -> None:
    """Let the app run until `condition()` holds; the timeout is a guard against a hang, not a speed check."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await pilot.pause(0.1)


@pytest.fixture
def replayed_board():
    sampler = Sampler(
        [ReplaySource(TRACE, name, speed=SPEED) for name in ("tegra-power", "tegra-gpu", "host")]
    )
    sampler.start()
    yield SimpleNamespace(sampler=sampler, idle_power_w=3.1)  # the Session attributes the run screen reads
    sampler.stop()


def test_events_fold_into_the_run_state():
    live = LiveRun("digits-cnn", ["baseline", "q8"])
    for event in EVENTS:
        live.apply(event)
    base = live.variants["baseline"]
    assert live.current == "baseline" and base.phase == "tracing"
    assert base.ci_history == [9.5, 4.2] and base.progress["iter"] == 90
    assert base.ops["by_class"]["A"] == 0.0012
    assert live.variants["q8"].phase is None
    assert ("warning", "CPU frequency scaling is on") in live.log
    assert any("591.9 KiB" in message for _, message in live.log)
    live.apply({"type": "surprise", "variant": "baseline"})  # unknown types are ignored, as the protocol says
    assert not base.done
    live.apply({"type": "result", "variant": "baseline", "status": "complete"})
    assert base.done and base.status == "complete"


async def test_panels_show_power_rails_gpu_and_ops_from_a_replayed_board(build_app, replayed_board, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        live = LiveRun("digits-cnn", ["baseline", "q8"], started_at=time.monotonic())
        for event in EVENTS:
            live.apply(event)
        screen = RunScreen(live, replayed_board, SENSORS_TX2)
        app.push_screen(screen)
        await pilot.pause()  # mounted
        await wait_until(
            pilot,
            lambda: (
                text_of(screen.query_one("#power-stats")).startswith("mean ")
                and text_of(screen.query_one("#load-stats")).startswith("GPU ")
            ),
            "replayed power and GPU readings on the panels",
        )
        panel = screen.query_one("#power")
        power = text_of(screen.query_one("#power-stats"))
        assert power.startswith("mean ") and "idle 3.10 W" in power
        assert panel.border_title.startswith("Power  now ") and panel.border_subtitle.startswith(
            "tegra-power "
        )
        watts = float(panel.border_title.split()[2])
        assert 1.0 < watts < 20.0  # a TX2's VDD_IN in watts, not milliwatts
        assert 1.0 < float(power.split()[1]) < 20.0
        rails = shown_rails(text_of(screen.query_one("#power-rails")))
        assert len(rails) >= 3 and {name for name, _ in rails} <= TX2_RAILS
        watts_shown = [w for _, w in rails]
        assert watts_shown == sorted(watts_shown, reverse=True)  # biggest first: they fit a narrow panel
        load = text_of(screen.query_one("#load-stats"))
        assert load.startswith("GPU ") and "(tegra-gpu)" in load and "CPU " in load
        assert not screen.query_one("#power").has_class("-absent")
        ops = text_of(screen.query_one(OpsPanel))
        assert "A conv" in ops and "60%" in ops and "top: Conv2D" in ops
        progress = text_of(screen.query_one("#numbers-line"))
        assert "iter 90" in progress and "CI ±4.2%" in progress and "→ 5%" in progress

        # The timer redraws the panels and the plot moves with the samples (how often: bench_live_panels.py).
        plot = screen.query_one("#power-plot")
        drawn, refreshes = plot_text(plot), screen.refreshes
        await wait_until(pilot, lambda: plot_text(plot) != drawn, "the power plot to move")
        assert screen.refreshes > refreshes
