"""The live view of one run: progress, the paired ratio forming, power, load, memory, per-op time and a log,
redrawn a few times a second.

`LiveRun` is core.run.livestate's run state plus what only the dashboard needs (the log lines, the outcome); the App's
message handlers feed it events, and the screen only reads it (and the sampler's snapshot) from its refresh timer,
so a burst of events never costs a burst of redraws.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Header, RichLog

from core.run.livestate import LiveState, VariantState
from tui.screens.dialogs import ConfirmScreen
from tui.view.format import fmt_bytes, fmt_seconds
from tui.widgets.ops import OpsPanel
from tui.widgets.pairs import BASELINE, PairPanel
from tui.widgets.panels import (
    GPU_SOURCES,
    POWER_SOURCES,
    LoadPanel,
    MemoryPanel,
    PowerPanel,
    absent_lines,
    absent_short,
)
from tui.widgets.progress import ProgressPanel

REFRESH_HZ = 4.0
PLOT_SECONDS = 60.0
# Quiet while timing: the panels' numbers update once a second from the last seconds of telemetry, and the plots
# wait until timing ends (then they redraw the whole window from the sampler's buffers, nothing is lost). Redrawing
# takes CPU from the model being timed on a small board; the benchmark bench_perturbation.py measures how much.
QUIET_REFRESH_S = 1.0
QUIET_SNAPSHOT_S = 2.0
DASHBOARD_MODES = {True: "quiet while timing", False: "live"}
LOG_STYLES = {"error": "bold red", "warning": "yellow", "info": "", "debug": "dim"}


class LiveRun(LiveState):
    """The run in progress as the dashboard shows it: the state from core.run.livestate, its log lines, its outcome."""

    def __init__(self, model: str, variant_names: list[str], started_at: float | None = None) -> None:
        super().__init__(variant_names)
        self.model = model
        self.started_at = time.monotonic() if started_at is None else started_at
        self.log: list[tuple[str, str]] = []
        self.cancel_requested = False
        self.result: dict[str, Any] | None = None

    def add_log(self, level: str, message: str) -> None:
        self.log.append((level, message))

    def apply(self, event: dict[str, Any]) -> VariantState | None:
        """Fold the event into the state (core.run.livestate does that), then log what deserves a line."""
        variant = super().apply(event)
        for level, message in log_lines(event, variant):
            self.add_log(level, message)
        return variant


def log_lines(event: dict[str, Any], v: VariantState | None) -> list[tuple[str, str]]:
    """The log lines an event earns, worded from the state it just updated: (level, message) pairs."""
    kind = event.get("type")
    name = v.name if v is not None else ""
    if kind == "model" and v is not None and v.model is not None:
        params = v.model.get("params")
        count = f", {params:,} params" if isinstance(params, int) else ""
        return [("info", f"{name}: artifact {fmt_bytes(v.model.get('size_bytes'))}{count}")]
    if kind == "latency" and v is not None and v.latency is not None:
        conv = "converged" if v.converged else f"not converged ({v.latency.get('reason')})"
        return [("info", f"{name}: mean {fmt_seconds(v.mean_s)} over n={v.latency.get('n')}, {conv}")]
    if kind == "eval" and v is not None and v.eval is not None:
        top1 = v.eval.get("top1")
        return [("info", f"{name}: top-1 {top1 * 100:.1f}% on {v.eval.get('dataset')}" if top1 is not None
                 else f"{name}: evaluated")]  # fmt: skip
    if kind == "run" and v is not None:
        return [("warning", f"{name}: {warning}") for warning in (v.run or {}).get("warnings") or []]
    if kind == "hello":
        tf, backend = event.get("tensorflow"), event.get("backend")
        return [("info", f"worker pid {event.get('pid')}: TensorFlow {tf} on {backend}")]
    if kind == "log":
        return [(str(event.get("level", "info")), str(event.get("message", "")))]
    if kind == "error":
        where = f" during {event['phase']}" if event.get("phase") else ""
        return [("error", f"{name + ': ' if name else ''}{event.get('message')}{where}")]
    if kind == "session" and event.get("message"):
        return [("info", str(event["message"]))]
    return []


class RunScreen(Screen[None]):
    """Progress and the paired ratio across the top, four live panels in a grid, the log at the bottom."""

    BINDINGS = [
        Binding("x", "cancel_run", "Cancel run"),
        Binding("t", "toggle_quiet", "Quiet/live"),
        Binding("escape", "back_or_cancel", "Cancel", show=False),
    ]

    def __init__(
        self, live: LiveRun, session: Any | None, sensor_statuses: list[Any] | None, quiet: bool = True
    ) -> None:
        super().__init__()
        # Set before mounting: a watcher fired from on_mount can outlive a screen replaced at once (a fast replay).
        self.sub_title = f"{live.model}: " + (" vs ".join(live.variant_names) or "telemetry only")
        self.live = live
        self.session = session
        self.sensor_statuses = sensor_statuses
        self._log_written = 0
        self.refreshes = 0
        self.quiet = quiet
        self._quiet_drawn_at = float("-inf")

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressPanel(id="progress")
        yield PairPanel(sum(n != BASELINE for n in self.live.variant_names), id="pairs")
        with Grid(id="panels"):
            yield PowerPanel(id="power", classes="panel")
            yield LoadPanel(id="load", classes="panel")
            yield MemoryPanel(id="memory", classes="panel")
            yield OpsPanel(id="ops", classes="panel")
        yield RichLog(id="log", max_lines=1000, wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#log", RichLog).border_title = "Log"
        self.refresh_panels()
        self.set_interval(1.0 / REFRESH_HZ, self.refresh_panels)

    @property
    def timing(self) -> bool:
        """Whether a variant's timed loop, or paired timing (session state "paired"), is running now."""
        if self.live.session_state == "paired":
            return True
        current = self.live.variants.get(self.live.current) if self.live.current else None
        return current is not None and current.phase == "timing"

    @property
    def mode(self) -> str:
        return DASHBOARD_MODES[self.quiet]

    def action_toggle_quiet(self) -> None:
        """`t`: switch between quiet while timing (the default) and live redraws."""
        self.quiet = not self.quiet
        self.refresh_panels()

    def refresh_panels(self) -> None:
        """Redraw every panel from the state and one sampler snapshot (the only telemetry read per tick).

        Quiet while timing: at most once a second, numbers only, from a short snapshot.
        """
        quiet_now = self.quiet and self.timing
        if quiet_now:
            now = time.monotonic()
            if now - self._quiet_drawn_at < QUIET_REFRESH_S:
                return
            self._quiet_drawn_at = now
        self.refreshes += 1
        live = self.live
        sampler = getattr(self.session, "sampler", None)
        seconds = QUIET_SNAPSHOT_S if quiet_now else PLOT_SECONDS
        snapshot = sampler.snapshot(seconds) if sampler is not None else None
        idle_w = getattr(self.session, "idle_power_w", None)
        statuses = self.sensor_statuses
        gpu_reason = absent_short(statuses, GPU_SOURCES, "GPU")
        current = live.variants.get(live.current) if live.current else None
        progress = self.query_one(ProgressPanel)
        progress.show(list(live.variants.values()), current, live.session_state)
        # The panel has a top border only: the dashboard's mode goes in its title.
        progress.border_title = "Progress · " + (
            "quiet while timing: 1 Hz, plots after timing" if quiet_now else self.mode + " (t toggles)"
        )
        plots = not quiet_now
        self.query_one(PowerPanel).update_from(
            snapshot,
            live.started_at,
            idle_w,
            absent_lines(statuses, POWER_SOURCES, "power"),
            plots,
            getattr(self.session, "power_context", None),
        )
        self.query_one(LoadPanel).update_from(snapshot, live.started_at, gpu_reason, plots)
        self.query_one(MemoryPanel).update_from(snapshot, gpu_reason, plots)
        self.query_one(PairPanel).show(live)
        ops = {name: v.ops for name, v in live.variants.items() if v.ops}
        self.query_one(OpsPanel).show_ops(ops, live.current)
        self._write_new_log_lines()

    def _write_new_log_lines(self) -> None:
        log = self.query_one("#log", RichLog)
        for level, message in self.live.log[self._log_written :]:
            log.write(Text(message, style=LOG_STYLES.get(level, "")))
        self._log_written = len(self.live.log)

    def action_back_or_cancel(self) -> None:
        """Escape: back to setup once the run has ended (a crash, the end of a replay), else offer to cancel."""
        if self.live.result is not None:
            self.app.pop_screen()
        else:
            self.action_cancel_run()

    def action_cancel_run(self) -> None:
        """Ask first: cancelling stops the worker, and what it measured so far is kept."""
        if self.live.result is not None or self.live.cancel_requested:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.cancel_run()  # type: ignore[attr-defined]

        self.app.push_screen(
            ConfirmScreen("Stop this run? The worker is stopped; everything measured so far is kept."),
            answered,
        )
