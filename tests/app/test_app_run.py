"""Real runs of the demo model from the dashboard (the TensorFlow worker, two variants): complete, and cancelled.

Two real runs in this file, no more (each costs seconds of TensorFlow start-up on a 2-core machine).
"""

from __future__ import annotations

import time

import pytest
from textual.widgets import RichLog

from core.report.result_file import load_result, validate_result
from tui.screens.dialogs import ConfirmScreen, HelpScreen
from tui.screens.results import ResultsScreen
from tui.screens.run import RunScreen

pytestmark = pytest.mark.integration


async def wait_for(pilot, condition, timeout_s: float, what: str) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await pilot.pause(0.1)


async def test_autorun_goes_live_then_shows_results_and_saves(build_app, fast_options, tmp_path, text_of):
    """`tocompress --autorun --save PATH`: the run starts by itself, the panels go live, the file is saved."""
    saved = tmp_path / "out" / "auto.json"
    app = build_app(options=fast_options, autorun=True, save_path=saved)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen), 10, "the run screen")
        run_screen = app.screen
        await wait_for(pilot, lambda: app.live.current is not None, 60, "the first worker phase")
        await wait_for(pilot, lambda: run_screen.query_one("#rss-trend").data, 60, "the worker's RSS")
        power = text_of(run_screen.query_one("#power-stats"))
        assert "no power sensor on this machine" in power and "✗ rapl:" in power
        memory = text_of(run_screen.query_one("#memory-bars"))
        assert "worker RSS" in memory and "MiB / " in memory.splitlines()[0]
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), 180, "the results screen")
        await wait_for(pilot, lambda: text_of(app.screen.query_one("#comparison")).strip(), 5, "the table")
        assert run_screen.refreshes > 1  # redrawn by the timer while it ran, not only on mount
        assert all(v.ops for v in app.live.variants.values())  # per-op trace events reached the state
        assert all(v.ci_history for v in app.live.variants.values())
        result = app.screen.result
        assert result["status"] == "complete", result.get("errors")
        assert [r["variant"] for r in result["runs"]] == ["baseline", "q8"]
        shown = text_of(app.screen.query_one("#comparison"))
        assert "Model size" in shown and "Inference time (mean)" in shown
        await wait_for(pilot, lambda: app.last_saved == saved, 10, "the autosave")
        validate_result(load_result(saved))


async def test_keys_work_during_a_run_and_cancel_keeps_what_was_measured(
    build_app, fast_options, tmp_path, text_of
):
    # The baseline times until the 20 s cap (more iterations than fit), so the cancel lands during its timing however
    # slowly the keys are handled on a busy machine; with 5,000 it could converge first and the cancel hit q8.
    fast_options.max_seconds = 20
    fast_options.min_iters = 100000
    fast_options.max_iters = 200000
    app = build_app(options=fast_options)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, RunScreen)
        await wait_for(
            pilot, lambda: app.live.variant("baseline").progress is not None, 90, "baseline timing"
        )
        # Keys are handled mid-run (how fast help opens under live redraws: benchmarks/bench_live_panels.py).
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(
            pilot, lambda: isinstance(app.screen, ResultsScreen), 30, "the results after cancelling"
        )
        result = app.screen.result
        assert result["status"] == "cancelled"
        baseline = result["runs"][0]
        # Measured before the cancel, so kept.
        assert baseline["variant"] == "baseline" and baseline["model"]["size_bytes"] > 0
        status = text_of(app.screen.query_one("#result-status"))
        assert "Cancelled by you during baseline timing" in status
        assert app.session.worker_pid is None  # the worker process is gone
        log = app.live.log
        assert any("cancelling" in message for _, message in log)
        assert isinstance(app.screen_stack[-1], ResultsScreen) and not app.screen.query(RichLog)
