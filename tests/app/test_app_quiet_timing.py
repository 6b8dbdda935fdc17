"""Quiet while timing: during a timed loop the run screen updates its numbers only and leaves the plots for later.

Driven by the recorded TX2 trace through the real Sampler (as test_app_live_panels.py), no worker process.
"""

from __future__ import annotations

import time

from tests.app.test_app_live_panels import (
    EVENTS,
    SENSORS_TX2,
    plot_text,
    replayed_board,  # noqa: F401 (a fixture)
    wait_until,
)
from tui.screens.run import LiveRun, RunScreen

TIMING = EVENTS[: next(i for i, e in enumerate(EVENTS) if e.get("name") == "tracing")]


def timing_run() -> LiveRun:
    live = LiveRun("digits-cnn", ["baseline", "q8"], started_at=time.monotonic())
    for event in TIMING:
        live.apply(event)
    return live


async def test_quiet_mode_updates_numbers_not_plots_until_timing_ends(build_app, replayed_board, text_of):  # noqa: F811
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        live = timing_run()
        screen = RunScreen(live, replayed_board, SENSORS_TX2)
        app.push_screen(screen)
        await pilot.pause()
        assert screen.quiet and screen.timing
        await wait_until(
            pilot, lambda: text_of(screen.query_one("#power-stats")).startswith("mean "), "power numbers"
        )
        plot = screen.query_one("#power-plot")
        refreshes = screen.refreshes
        await wait_until(pilot, lambda: screen.refreshes >= refreshes + 2, "two quiet refreshes")
        assert plot._drawn_at == float(
            "-inf"
        )  # numbers moved, the plot was never drawn (TimePlot.draw not called)
        blank = plot_text(plot)
        assert screen.query_one("#progress").border_title.startswith("Progress · quiet while timing")

        live.apply({"type": "phase", "variant": "baseline", "name": "tracing", "rss_bytes": 410e6})
        await wait_until(pilot, lambda: plot._drawn_at > float("-inf"), "the plot drawn once timing ended")
        await wait_until(pilot, lambda: plot_text(plot) != blank, "the drawn plot on screen")
        assert not screen.timing


async def test_t_switches_to_live_redraws_while_timing(build_app, replayed_board, text_of):  # noqa: F811
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = RunScreen(timing_run(), replayed_board, SENSORS_TX2)
        app.push_screen(screen)
        await pilot.pause()
        plot = screen.query_one("#power-plot")
        blank = plot_text(plot)
        await pilot.press("t")
        assert not screen.quiet and screen.mode == "live"
        await wait_until(pilot, lambda: plot_text(plot) != blank, "the plot drawn live while timing")
        assert screen.query_one("#progress").border_title == "Progress · live (t toggles)"


def test_paired_timing_counts_as_timing():
    """Paired timing (baseline and compressed in ABBA blocks, session state "paired") is kept quiet too."""
    live = LiveRun("digits-cnn", ["baseline", "q8"], started_at=time.monotonic())
    screen = RunScreen(live, None, SENSORS_TX2)
    assert not screen.timing
    live.apply(
        {"type": "session", "state": "paired", "message": "timing baseline and q8 in alternating blocks"}
    )
    assert screen.timing
    live.apply({"type": "session", "state": "done", "status": "complete"})
    assert not screen.timing
