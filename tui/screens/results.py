"""Results: the baseline against each compressed run with its verdict, and saving the result file as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from core.report.comparison import comparisons_of, headline_run, is_baseline
from core.report.energy_text import energy_lines
from core.report.result_file import ResultFileError, default_result_path, save_result
from core.report.wording import busy_warnings, measurement_cost_line, weights_of_result
from tui.view.tables import done_text
from tui.widgets.comparison import ComparisonView

STATUS_STYLES = {
    "complete": "bold green",
    "partial": "bold yellow",
    "cancelled": "bold yellow",
    "failed": "bold red",
}


def setting_of(result: dict[str, Any]) -> str:
    """The setting a result stands for: its headline run's variant (the baseline when it holds nothing else)."""
    run = headline_run(result)
    return str(run.get("variant")) if run else "baseline"


def created_at(result: dict[str, Any]) -> datetime | None:
    """The result's creation time (UTC, as written) for its default file name; None if absent or unreadable."""
    try:
        return datetime.strptime(str(result.get("created")), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def default_save_path(result: dict[str, Any], setting: str) -> Path:
    return default_result_path(str(result.get("model")), setting, created_at(result))


def status_line(result: dict[str, Any], note: str | None) -> Text:
    """Model, variants, status and what happened (cancelled, failed) in one or two lines."""
    status = str(result.get("status"))
    text = Text()
    text.append(str(result.get("model")), style="bold")
    text.append("  " + " vs ".join(str(r.get("variant")) for r in result.get("runs") or []) + "  ")
    text.append(status, style=STATUS_STYLES.get(status, "bold"))
    if result.get("created"):
        text.append(f"  {result['created']}", style="dim")
    weights = weights_of_result(result)
    if weights:
        text.append("\n" + weights, style="yellow" if weights.startswith("random") else "dim")
    if note:
        text.append("\n" + note, style="yellow")
    for error in result.get("errors") or []:
        text.append("\n" + str(error), style="red")
    for warning in busy_warnings(result):  # issue 9: a busy machine inflates every timing
        text.append("\n" + warning, style="yellow")
    cost = measurement_cost_line(result)
    if cost:
        text.append("\n" + cost, style="dim")
    return text


def energy_text(result: dict[str, Any]) -> Text:
    """Energy per run with its interval, MLPerf's cross-check, idle, the sensor and the calibration."""
    text = Text()
    for line, warning in energy_lines(result):
        text.append(("\n" if text else "") + line, style="yellow" if warning else "dim")
    return text


class ResultsScreen(Screen[None]):
    """The comparison table and verdict, with the save path at the bottom."""

    SUB_TITLE = "results"  # a class constant, so no title watcher fires after mount (see RunScreen.__init__)

    BINDINGS = [
        Binding("s", "save", "Save"),
        Binding("c", "app.compare", "Compare"),
        Binding("r", "app.rerun", "Run again"),
        Binding("w", "sweep_command", "Sweep cmd"),
        Binding("escape", "app.back", "Back"),
    ]

    @dataclass
    class Saved(Message):
        """The result was written to `path` (the compare screen offers it)."""

        path: Path

    def __init__(
        self,
        result: dict[str, Any],
        note: str | None = None,
        save_path: Path | None = None,
        setting: str | None = None,
    ) -> None:
        """`setting` is the compression that was asked for, which a cancelled run's file may not contain."""
        super().__init__()
        self.result = result
        self.note = note
        self.setting = setting or setting_of(result)
        self.save_path = save_path or default_save_path(result, self.setting)
        self.saved_path: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(status_line(self.result, self.note), id="result-status")
        with VerticalScroll(id="result-body"):
            yield ComparisonView(id="comparison")
            energy = energy_text(self.result)
            if energy:  # nothing at all where no energy was measured (the table says why)
                yield Static(energy, id="energy-notes")
            yield Static(done_text(self.result.get("runs") or []), id="what-done")
        with Horizontal(id="save-row"):
            yield Label("Save to ", id="save-label")
            yield Input(str(self.save_path), id="save-path", compact=True)
        yield Static(
            Text("s saves; edit the path and press Enter to save elsewhere", style="dim"), id="save-status"
        )
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(ComparisonView)
        comparisons = comparisons_of(self.result)
        run = headline_run(self.result)
        if comparisons:
            view.show(comparisons)
        elif run is not None:
            view.show_run(run, self._lone_note(run))
        else:
            view.update(Text("nothing was measured; see the errors above", style="yellow"))
        self.query_one("#result-body").focus()

    def _lone_note(self, run: dict[str, Any]) -> str | None:
        """Why a lone run has nothing to compare with; None when the baseline alone was asked for."""
        if run.get("variant") != self.setting:
            return f"{self.setting} was not measured, so there is nothing to compare with"
        return None if is_baseline(run) else "no baseline was measured, so there is nothing to compare with"

    @on(Input.Submitted, "#save-path")
    def _path_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Write the result atomically to the path in the input; one line says where, or what went wrong."""
        status = self.query_one("#save-status", Static)
        raw = self.query_one("#save-path", Input).value.strip()
        if not raw:
            status.update(Text("type a file path to save to", style="bold red"))
            return
        try:
            path = save_result(Path(raw).expanduser(), self.result)
        except ResultFileError as exc:
            status.update(Text(str(exc), style="bold red"))
            return
        self.saved_path = path
        status.update(Text(f"saved {path}", style="bold green"))
        self.post_message(self.Saved(path))

    def action_sweep_command(self) -> None:
        """The sweep command for this model around this setting: shown, and copied where the terminal allows."""
        from core.sweep.grid import sweep_command_for

        command = sweep_command_for(str(self.result.get("model")), self.setting)
        self.sweep_command = command
        self.app.copy_to_clipboard(command)  # OSC 52: most terminals, tmux with set-clipboard on
        hint = "On the board: `nohup CMD > sweep.log 2>&1 &` or inside tmux; watch it with `tocompress --sweep FILE`."
        self.app.notify(f"{command}\n\n{hint}", title="Sweep command (copied)", timeout=30, markup=False)
        self.query_one("#save-status", Static).update(Text(command, style="bold"))
