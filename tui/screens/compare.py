"""Compare two saved result files side by side: the headline run of file B against that of file A."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from core.report.comparison import NothingToCompareError, compare_results, headline_run
from core.report.result_file import ResultFileError, load_result
from tui.view.format import MISSING
from tui.widgets.comparison import ComparisonView

MAX_FILES = 200


def headline_setting(data: dict[str, Any]) -> str:
    """The variant of a file's headline run (the one compared), as shown in the file list."""
    run = headline_run(data)
    return MISSING if run is None else str(run.get("variant"))


def find_result_files(folder: Path) -> list[tuple[Path, dict[str, Any] | None]]:
    """Result files in `folder`, newest first, each with its content (None when it does not load)."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:MAX_FILES]
    found = []
    for path in paths:
        try:
            found.append((path, load_result(path)))
        except ResultFileError:
            found.append((path, None))
    return found


class CompareScreen(Screen[None]):
    """The list of saved files on top, slots A and B, and the comparison below."""

    BINDINGS = [
        Binding("a", "put('a')", "Slot A"),
        Binding("b", "put('b')", "Slot B"),
        Binding("escape", "app.back", "Back"),
    ]

    def __init__(self, folder: Path, slot_a: Path | None = None) -> None:
        super().__init__()
        self.sub_title = f"compare result files in {folder}/"  # before mount: see RunScreen.__init__
        self.folder = folder
        self.initial_a = slot_a
        self.files: list[tuple[Path, dict[str, Any] | None]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="files", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="slot"):
            yield Label("A ", classes="slot-label")
            yield Input(str(self.initial_a or ""), id="path-a", placeholder="result file A", compact=True)
        with Horizontal(classes="slot"):
            yield Label("B ", classes="slot-label")
            yield Input("", id="path-b", placeholder="result file B", compact=True)
        yield Static(id="compare-status")
        with VerticalScroll(id="compare-body"):
            yield ComparisonView(id="compare-view")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#files", DataTable)
        table.add_columns("file", "model", "setting", "status", "created")
        self.files = find_result_files(self.folder)
        for path, data in self.files:
            if data is None:
                table.add_row(path.name, Text("not a result file", style="red"), "", "", "", key=str(path))
            else:
                table.add_row(
                    path.name,
                    str(data.get("model")),
                    headline_setting(data),
                    str(data.get("status")),
                    str(data.get("created", "")),
                    key=str(path),
                )
        if not self.files:
            self._say(
                f"no result files in {self.folder}/ yet; save one from the results screen (s), or type paths"
            )
        else:
            self._say("a / b put the highlighted file in slot A / B; Enter fills the next free slot")
        table.focus()

    def _say(self, message: str, style: str = "dim") -> None:
        self.query_one("#compare-status", Static).update(Text(message, style=style))

    def _highlighted(self) -> Path | None:
        table = self.query_one("#files", DataTable)
        if not self.files:
            return None
        return self.files[min(table.cursor_row, len(self.files) - 1)][0]

    def action_put(self, slot: str) -> None:
        path = self._highlighted()
        if path is not None:
            self.query_one(f"#path-{slot}", Input).value = str(path)
            self.compare()

    @on(DataTable.RowSelected, "#files")
    def _file_chosen(self) -> None:
        slot = "a" if not self.query_one("#path-a", Input).value.strip() else "b"
        self.action_put(slot)

    @on(Input.Submitted)
    def _path_typed(self) -> None:
        self.compare()

    def compare(self) -> None:
        """Load both slots and show A against B; one line says what is missing or unreadable."""
        raw_a = self.query_one("#path-a", Input).value.strip()
        raw_b = self.query_one("#path-b", Input).value.strip()
        if not raw_a or not raw_b:
            self._say(f"slot {'A' if not raw_a else 'B'} is empty: pick a file (a / b) or type its path")
            return
        try:
            data_a, data_b = load_result(Path(raw_a).expanduser()), load_result(Path(raw_b).expanduser())
            comparison = compare_results(data_a, data_b)
        except (ResultFileError, NothingToCompareError) as exc:
            self._say(str(exc), "bold red")
            return
        legend = Text()
        legend.append("A", style="bold")
        legend.append(f" {Path(raw_a).name} ({data_a.get('model')} {headline_setting(data_a)})   ")
        legend.append("B", style="bold")
        legend.append(f" {Path(raw_b).name} ({data_b.get('model')} {headline_setting(data_b)})")
        self.query_one("#compare-status", Static).update(legend)
        self.query_one("#compare-view", ComparisonView).show([comparison], "A", "B")
