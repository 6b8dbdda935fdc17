"""The sweep screen: points arrive from the sweep file as they finish (table), per-model scatter plots with the
Pareto front marked, a view across models, and keys to open a point's result or export the front.

The screen tails the file (one read of the new bytes a second), so it shows a sweep run by this dashboard
(`tocompress sweep --ui`), by another process in tmux (`tocompress --sweep FILE`), or one long finished, alike.
Plotext has no marker size, so the across-models view sizes markers by parameter class with characters
(· < 1M, o < 10M, O < 50M, @ >= 50M parameters), as the paper's bubble charts size bubbles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from core.sweep.export import export_front
from core.sweep.pareto import FrontResult, pareto_front
from core.sweep.points import Point, accuracy_drop_points, baseline_of, by_model, points_of, quality_kind
from core.sweep.tail import FileTail
from tui.view.boards import render_cross_board
from tui.view.format import MISSING, fmt_bytes, fmt_seconds
from tui.widgets.sweepplots import draw_models, kb, mj, ms, pct, scatter

TABS = ("tab-points", "tab-size", "tab-energy", "tab-models")  # keys 1..4
COLUMNS = ("model", "setting", "size", "latency", "energy", "quality", "drop", "front")


@dataclass
class SweepProgressed(Message):
    """The sweep thread's progress (core.sweep.runner.SweepProgress)."""

    progress: Any


@dataclass
class SweepEnded(Message):
    text: str
    error: bool = False


class SweepScreen(Screen[None]):
    """A sweep file's points, fronts and plots; runs the sweep too when given a plan."""

    SUB_TITLE = "sweep"
    DEFAULT_CSS = """
    SweepScreen #sweep-status { height: 2; }
    SweepScreen #sweep-tabs { height: 1fr; }
    SweepScreen TabPane { height: 1fr; padding: 0; }
    SweepScreen PlotextPlot { height: 1fr; }
    SweepScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "open_point", "Open", show=False),
        Binding("o", "open_point", "Open"),
        Binding("e", "export", "Export front"),
        Binding("m", "next_model", "Model"),
        Binding("x", "cancel_sweep", "Stop sweep"),
        Binding("q", "quit_sweep", "Quit"),
        Binding("escape", "app.back", "Back", show=False),
        *(Binding(str(i), f"tab('{tab}')", tab, show=False) for i, tab in enumerate(TABS, 1)),
    ]

    def __init__(self, path: str | Path, plan: Any = None, poll_s: float = 1.0) -> None:
        super().__init__()
        self.path = Path(path)
        self.plan = plan
        self.poll_s = poll_s
        self.tail = FileTail(self.path)
        self.records: list[dict[str, Any]] = []
        self.points: list[Point] = []
        self.fronts: dict[str, FrontResult] = {}
        self.model_index = 0
        self.runner: Any = None
        self._drawn = False
        self.progress_text = "watching" if plan is None else "starting the sweep"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="sweep-status")
        with TabbedContent(id="sweep-tabs"):
            with TabPane("Points", id="tab-points"):
                yield DataTable(id="sweep-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Size/accuracy", id="tab-size"):
                yield PlotextPlot(id="plot-size")
            with TabPane("Latency/energy", id="tab-energy"):
                yield PlotextPlot(id="plot-energy")
            with TabPane("Models", id="tab-models"):
                yield PlotextPlot(id="plot-models")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.poll()
        self.set_interval(self.poll_s, self.poll)
        if self.plan is not None:
            self._run_sweep(self.plan)
        table.focus()

    # --- data ---------------------------------------------------------------------------------------------
    def poll(self) -> None:
        new, reset = self.tail.read()
        if reset:
            self.records = []
        elif not new and self._drawn:
            return
        self._drawn = True
        self.records.extend(new)
        self.points = points_of(self.records)
        self.fronts = {m: pareto_front(ps) for m, ps in by_model(self.points).items()}
        self._fill_table()
        self._draw_plots()
        self._show_boards()
        self._show_status()

    def _show_boards(self) -> None:
        """A fleet sweep's cross-board view, in a Boards tab added once the file holds two boards."""
        text = render_cross_board(self.points)
        if text is None:
            return
        if self.query("#cross-board"):
            self.query_one("#cross-board", Static).update(Text(text, no_wrap=True))
        else:
            pane = TabPane(
                "Boards", VerticalScroll(Static(Text(text, no_wrap=True), id="cross-board")), id="tab-boards"
            )
            self.query_one(TabbedContent).add_pane(pane)

    @property
    def models(self) -> list[str]:
        return list(by_model(self.points))

    @property
    def model(self) -> str | None:
        models = self.models
        return models[self.model_index % len(models)] if models else None

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for model, points in by_model(self.points).items():
            kind = quality_kind(points)
            base = baseline_of(points)
            front = self.fronts[model].keys()
            for p in points:
                q = p.quality(kind) if kind else None
                drop = accuracy_drop_points(p, base, kind)
                style = "red" if p.status == "failed" else ""
                table.add_row(
                    model,
                    Text(p.setting, style=style),
                    fmt_bytes(p.size_bytes),
                    fmt_seconds(p.latency_s),
                    MISSING if p.energy_j is None else f"{p.energy_j * 1e3:.3g} mJ",
                    MISSING if q is None else f"{q * 100:.2f}%",
                    MISSING if drop is None else f"{drop:+.2f}",
                    Text("*", style="bold green") if p.key in front else "",
                    key=str(p.index),
                )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def _show_status(self) -> None:
        n_front = sum(len(f.front) for f in self.fronts.values())
        # Two lines that never wrap, so the table and plots keep their rows at 80x24.
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{len(self.points)} points, {len(self.models)} model(s), {n_front} on the front (*)  ")
        head.append(str(self.path), style="bold")
        line = Text(self.progress_text, style="dim", no_wrap=True, overflow="ellipsis")
        notes = self.fronts.get(self.model or "")
        if notes and notes.notes:
            line.append("  " + "; ".join(notes.notes), style="yellow")
        self.query_one("#sweep-status", Static).update(Text("\n", no_wrap=True).join([head, line]))

    # --- plots --------------------------------------------------------------------------------------------
    def _draw_plots(self) -> None:
        model = self.model
        points = [p for p in by_model(self.points).get(model or "", []) if p.status != "failed"]
        front = self.fronts[model].keys() if model in self.fronts else set()
        kind = quality_kind(points)
        qlabel = "top-1 %" if kind == "top1" else "fidelity %"
        size = self.query_one("#plot-size", PlotextPlot)
        scatter(
            size,
            points,
            front,
            lambda p: kb(p.size_bytes),
            lambda p: pct(p.quality(kind) if kind else None),
        )
        size.plt.title(f"{model}: size (kB) vs {qlabel}; front *")
        energy = self.query_one("#plot-energy", PlotextPlot)
        if any(p.energy_j is not None for p in points):
            scatter(energy, points, front, lambda p: ms(p.latency_s), lambda p: mj(p.energy_j))
            energy.plt.title(f"{model}: latency (ms) vs energy (mJ); front *")
        else:
            scatter(energy, points, front, lambda p: ms(p.latency_s), lambda p: kb(p.size_bytes))
            energy.plt.title(f"{model}: energy not measured here; latency (ms) vs size (kB)")
        draw_models(self.query_one("#plot-models", PlotextPlot), self.points)
        for plot in (size, energy):
            plot.refresh()

    # --- actions ------------------------------------------------------------------------------------------
    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.records[int(key)] if key is not None else None

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_point()

    def action_open_point(self) -> None:
        """The point's full result on the results screen (its line carries the baseline run)."""
        from tui.screens.results import ResultsScreen

        record = self._selected()
        if record is None:
            self.notify("no point yet", severity="warning")
            return
        setting = (record.get("sweep") or {}).get("setting")
        self.app.push_screen(ResultsScreen(record, setting=setting))

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_next_model(self) -> None:
        self.model_index += 1
        self._draw_plots()
        self._show_status()

    def action_export(self) -> None:
        """Write every model's front as CSV and JSON next to the sweep file, atomically."""
        try:
            csv_path, n_rows = export_front(self.path, self.points, self.fronts)
        except OSError as exc:
            self.notify(f"cannot export the front: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"front ({n_rows} points) written to {csv_path} and .json", timeout=6)

    def action_cancel_sweep(self) -> None:
        if self.runner is None:
            self.notify("no sweep running in this dashboard", severity="warning")
            return
        self.runner.cancel()
        self.progress_text = "stopping: the current point is dropped and re-run on resume"
        self._show_status()

    async def action_quit_sweep(self) -> None:
        """Quit; a sweep running here stops first (its cut point leaves no line and is re-run on resume)."""
        if self.runner is not None:
            self.runner.cancel()
        await self.app.action_quit()

    def on_unmount(self) -> None:
        if self.runner is not None:
            self.runner.cancel()

    # --- the sweep thread ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="sweep")
    def _run_sweep(self, plan: Any) -> None:
        from core.errors import UserError
        from core.sweep.runner import SweepRunner
        from core.sweep.store import SweepStore

        try:
            store = SweepStore(self.path).open()
        except UserError as exc:
            self.post_message(SweepEnded(str(exc), error=True))
            return
        try:
            if store.note:
                self.post_message(SweepEnded(store.note))
            self.runner = SweepRunner(
                plan, store, on_progress=lambda p: self.post_message(SweepProgressed(p))
            )
            summary = self.runner.run()
        except Exception as exc:  # a bug or environment problem: one line on screen
            self.post_message(SweepEnded(f"the sweep stopped: {exc}", error=True))
            return
        finally:
            store.close()
        done = "cancelled; run it again to resume" if summary.cancelled else "finished"
        self.post_message(SweepEnded(f"sweep {done}: measured {summary.measured}, skipped {summary.skipped}"))

    @on(SweepProgressed)
    def _progressed(self, message: SweepProgressed) -> None:
        p = message.progress
        eta = "" if p.eta_s is None else f", about {p.eta_s / 60:.1f} min left"
        self.progress_text = f"[{p.done}/{p.total}] {p.message or ''}{eta}"
        self._show_status()

    @on(SweepEnded)
    def _ended(self, message: SweepEnded) -> None:
        self.progress_text = message.text
        self.notify(message.text, severity="error" if message.error else "information", timeout=8)
        self.poll()
        self._show_status()
