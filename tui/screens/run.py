"""The live view of one run: progress, power, load, memory, per-op time and a log, redrawn a few times a second.

`LiveRun` is the state the App's message handlers fill from worker and session events; the screen only reads it
(and the sampler's snapshot) from its refresh timer, so a burst of events never costs a burst of redraws.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Header, RichLog

from tui.format import fmt_bytes, fmt_seconds
from tui.screens.dialogs import ConfirmScreen
from tui.widgets.ops import OpsPanel
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
LOG_STYLES = {"error": "bold red", "warning": "yellow", "info": "", "debug": "dim"}


@dataclass
class VariantState:
    """What is known so far about one variant (baseline or the compressed setting)."""

    name: str
    phase: str | None = None
    progress: dict[str, Any] | None = None
    ci_history: list[float] = field(default_factory=list)
    model: dict[str, Any] | None = None
    latency: dict[str, Any] | None = None
    ops: dict[str, Any] | None = None
    eval: dict[str, Any] | None = None
    run: dict[str, Any] | None = None
    result_status: str | None = None  # the worker's own "result" event, which a replay has without the "run"

    @property
    def done(self) -> bool:
        return self.run is not None or self.result_status is not None

    @property
    def status(self) -> str | None:
        return self.run.get("status") if self.run is not None else self.result_status


@dataclass
class LiveRun:
    """The state of the run in progress, built from events in the order they arrive."""

    model: str
    variant_names: list[str]
    started_at: float = field(default_factory=time.monotonic)
    session_state: str | None = None
    current: str | None = None
    log: list[tuple[str, str]] = field(default_factory=list)
    cancel_requested: bool = False
    result: dict[str, Any] | None = None
    variants: dict[str, VariantState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.variants = {name: VariantState(name) for name in self.variant_names}

    def variant(self, name: str | None) -> VariantState:
        key = name or self.current or self.variant_names[0]
        if key not in self.variants:
            self.variants[key] = VariantState(key)
        return self.variants[key]

    def add_log(self, level: str, message: str) -> None:
        self.log.append((level, message))

    def apply(self, event: dict[str, Any]) -> None:
        """Fold one worker or session event into the state; unknown types are ignored, as the protocol says."""
        kind = event.get("type")
        name = event.get("variant")
        if kind == "phase":
            self.current = name or self.current
            v = self.variant(name)
            v.phase = event.get("name")
            if v.phase == "load":  # a new worker process for this variant (--repeat): running again, not done
                v.run, v.result_status = None, None
        elif kind == "progress":
            v = self.variant(name)
            v.progress = event
            if event.get("ci95_halfwidth_pct") is not None:
                v.ci_history.append(float(event["ci95_halfwidth_pct"]))
        elif kind == "model":
            self.variant(name).model = event
            self.add_log(
                "info",
                f"{name}: artifact {fmt_bytes(event.get('size_bytes'))}, {event.get('params'):,} params",
            )
        elif kind == "latency":
            self.variant(name).latency = event
            conv = "converged" if event.get("converged") else f"not converged ({event.get('reason')})"
            self.add_log(
                "info", f"{name}: mean {fmt_seconds(event.get('mean_s'))} over n={event.get('n')}, {conv}"
            )
        elif kind == "ops":
            self.variant(name).ops = event
        elif kind == "eval":
            self.variant(name).eval = event
            top1 = event.get("top1")
            self.add_log(
                "info",
                f"{name}: top-1 {top1 * 100:.1f}% on {event.get('dataset')}"
                if top1 is not None
                else f"{name}: evaluated",
            )
        elif kind == "run":
            run = event.get("run") or {}
            self.variant(name).run = run
            for warning in run.get("warnings") or []:
                self.add_log("warning", f"{name}: {warning}")
        elif kind == "result":
            self.variant(name).result_status = str(event.get("status", "complete"))
        elif kind == "hello":
            self.add_log(
                "info",
                f"worker pid {event.get('pid')}: TensorFlow {event.get('tensorflow')} on {event.get('backend')}",
            )
        elif kind == "log":
            self.add_log(str(event.get("level", "info")), str(event.get("message", "")))
        elif kind == "error":
            where = f" during {event['phase']}" if event.get("phase") else ""
            self.add_log("error", f"{name + ': ' if name else ''}{event.get('message')}{where}")
        elif kind == "session":
            self.session_state = event.get("state")
            if event.get("message"):
                self.add_log("info", str(event["message"]))


class RunScreen(Screen[None]):
    """Progress across the top, four live panels in a grid, the log at the bottom."""

    BINDINGS = [
        Binding("x", "cancel_run", "Cancel run"),
        Binding("escape", "back_or_cancel", "Cancel", show=False),
    ]

    def __init__(self, live: LiveRun, session: Any | None, sensor_statuses: list[Any] | None) -> None:
        super().__init__()
        # Set before mounting: a watcher fired from on_mount can outlive a screen replaced at once (a fast replay).
        self.sub_title = f"{live.model}: " + " vs ".join(live.variant_names)
        self.live = live
        self.session = session
        self.sensor_statuses = sensor_statuses
        self._log_written = 0
        self.refreshes = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield ProgressPanel(id="progress")
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

    def refresh_panels(self) -> None:
        """Redraw every panel from the state and one sampler snapshot (the only telemetry read per tick)."""
        self.refreshes += 1
        live = self.live
        sampler = getattr(self.session, "sampler", None)
        snapshot = sampler.snapshot(PLOT_SECONDS) if sampler is not None else None
        idle_w = getattr(self.session, "idle_power_w", None)
        statuses = self.sensor_statuses
        gpu_reason = absent_short(statuses, GPU_SOURCES, "GPU")
        current = live.variants.get(live.current) if live.current else None
        self.query_one(ProgressPanel).show(list(live.variants.values()), current, live.session_state)
        self.query_one(PowerPanel).update_from(
            snapshot, live.started_at, idle_w, absent_lines(statuses, POWER_SOURCES, "power")
        )
        self.query_one(LoadPanel).update_from(snapshot, live.started_at, gpu_reason)
        self.query_one(MemoryPanel).update_from(snapshot, gpu_reason)
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
