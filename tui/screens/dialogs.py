"""Small modal screens: a yes/no confirmation and the key help."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

HELP_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Setup", "r / Enter", "run the highlighted model: baseline, then the setting"),
    (
        "Setup",
        "0 .. 8",
        "presets: baseline, the paper's q16 q8 q6 p0.05 q8+p0.05, then q8:load, "
        "p0.5:filters:ft3, tflite:int8",
    ),
    ("Setup", "o", "swap the order of quantize and prune"),
    ("Setup", "Tab", "move between the model list, the setting and the options"),
    ("Run", "x / Escape", "cancel the run (asks first; what was measured is kept)"),
    ("Results", "s", "save as JSON to the path shown (edit it, then Enter)"),
    ("Results", "r", "run the same setting again"),
    ("Results, Setup", "c", "compare saved result files side by side"),
    ("Compare", "a / b / Enter", "put the highlighted file in slot A / B / the next free slot"),
    ("Anywhere", "Escape", "back"),
    ("Anywhere", "?", "this help"),
    ("Anywhere", "q", "quit (a run in progress is stopped first)"),
    ("Anywhere", "F2", "save the screen as SVG under screenshots/ (named model-setting-screen)"),
)


class ConfirmScreen(ModalScreen[bool]):
    """A question with Yes (y) and No (n / Escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class HelpScreen(ModalScreen[None]):
    """Every key, by screen."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=False)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for where, keys, what in HELP_KEYS:
            table.add_row(where, keys, what)
        with VerticalScroll(id="help"):
            yield Static(table)
            yield Static(
                "Metrics follow Qin et al. 2018: time until the 95% CI is within the target; energy above idle power; "
                "size is the artifact on disk. A metric this machine cannot measure shows — with the reason.",
                classes="dim",
            )

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys (Escape closes)"

    def action_close(self) -> None:
        self.dismiss(None)
