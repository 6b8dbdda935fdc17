"""Setup: pick a model and a compression setting, see the evaluation data and the sensors, set the run options.

The screen only validates and asks; the App starts the run when it hears `SetupScreen.RunRequested`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from core.errors import UserError
from core.runspec import RunOptions
from core.spec import PRESETS, CompressionSpec, SpecError
from tui.view.format import fmt_count, fmt_params, fmt_shape
from tui.view.setupform import (
    OPTION_FIELDS,
    PLACEHOLDERS,
    ModelRow,
    describe_spec,
    memory_text,
    missing_cell,
    option_text,
    parse_options,
    sensor_lines,
    swap_order,
)

# How the weights column colours each source (core.models.catalog.weights_status).
WEIGHT_STYLES = {
    "pretrained": "green",
    "shipped": "green",
    "user file": "cyan",
    "random": "yellow",
    "none": "red",
}
# Keys 1..5 are the paper's presets, 6..8 the other forms; 0 is the uncompressed baseline alone.
PRESET_KEYS: dict[str, str] = {str(i): p for i, p in enumerate(PRESETS)}


class SetupScreen(Screen[None]):
    """Model list on the left; setting, options and sensors on the right."""

    BINDINGS = [
        Binding("r", "run", "Run"),
        Binding("enter", "run", "Run", show=False),
        Binding("c", "app.compare", "Compare"),
        Binding("o", "swap_order", "Order", show=False),
        Binding("w", "cycle_weights", "Weights", show=False),
        *(Binding(key, f"preset('{preset}')", preset, show=False) for key, preset in PRESET_KEYS.items()),
    ]

    @dataclass
    class RunRequested(Message):
        """The user asked to run this model with this setting and these options."""

        model: str
        compression: CompressionSpec
        options: RunOptions

    def __init__(
        self,
        rows: list[ModelRow],
        model: str,
        compression: str,
        options: RunOptions,
        dataset: str | None = None,
        pythons: dict[str, str | None] | None = None,
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.pythons = {flag: path for flag, path in (pythons or {}).items() if path}  # the ones set
        self.rows = rows
        self.initial_model = model
        self.initial_compression = compression
        self.base_options = options
        self.sensor_statuses: list[Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="setup-body"):
            with VerticalScroll(id="setup-left", can_focus=False):
                yield DataTable(id="models", cursor_type="row", zebra_stripes=True)
                yield Static(id="model-detail")
                yield Label("Sensors", classes="section")
                yield Static(sensor_lines(None), id="sensors")
            with VerticalScroll(id="setup-right", can_focus=False):
                yield Label("Compression", classes="section")
                yield Input(self.initial_compression, id="compression", placeholder="q8, p0.05, q8+p0.05")
                yield Static(self._preset_hint(), id="presets")
                yield Static(id="spec-detail")
                yield Label("Run options", classes="section")
                for name, label, _ in OPTION_FIELDS:
                    value = getattr(self.base_options, name)
                    with Horizontal(classes="option"):
                        yield Label(label, classes="option-label")
                        text, hint = option_text(value), PLACEHOLDERS.get(name, "")
                        yield Input(text, id=f"opt-{name}", compact=True, placeholder=hint)
        yield Static(id="setup-error")
        yield Footer()

    def _preset_hint(self) -> Text:
        text = Text()
        for key, preset in PRESET_KEYS.items():
            text.append(f" {key}", style="bold reverse")
            text.append(f" {preset} ")
        text.append(" o", style="bold reverse")
        text.append(" swap order")
        return text

    def on_mount(self) -> None:
        table = self.query_one("#models", DataTable)
        # What a user chooses by comes first (name, runs here, weights), so at 80 columns only the last columns
        # scroll out of view, never the weights ("shippe").
        table.add_columns("model", "ok", "weights", "params", "input", "missing")
        for row in self.rows:
            info = row.info
            table.add_row(
                info.name,
                Text("✓", style="green") if row.available else Text("✗", style="red"),
                Text(row.weights or "?", style=WEIGHT_STYLES.get(row.weights, "")),
                fmt_params(info.params),
                fmt_shape(info.input_shape) if info.input_shape else "from file",
                Text(missing_cell(row.missing), style="dim"),
                key=info.name,
            )
        names = [r.info.name for r in self.rows]
        if self.initial_model in names:
            table.move_cursor(row=names.index(self.initial_model))
        self._show_model(self.selected_row())
        self._check_spec(self.query_one("#compression", Input).value)
        table.focus()

    # --- reading the form -------------------------------------------------------------------------------------

    def selected_row(self) -> ModelRow | None:
        table = self.query_one("#models", DataTable)
        if not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def current_spec(self) -> CompressionSpec:
        return CompressionSpec.parse(self.query_one("#compression", Input).value)

    def current_options(self) -> RunOptions:
        values = {name: self.query_one(f"#opt-{name}", Input).value for name, _, _ in OPTION_FIELDS}
        return parse_options(values, self.base_options)

    def show_error(self, message: str) -> None:
        """One line under the form saying what is wrong and what to do; empty clears it."""
        self.query_one("#setup-error", Static).update(Text(message, style="bold red") if message else "")
        self.set_class(bool(message), "-has-error")

    def show_sensors(self, statuses: list[Any]) -> None:
        self.sensor_statuses = statuses
        self.query_one("#sensors", Static).update(sensor_lines(statuses))

    # --- reacting --------------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#models")
    def _model_highlighted(self) -> None:
        self._show_model(self.selected_row())

    @on(DataTable.RowSelected, "#models")
    def _model_chosen(self) -> None:
        self.action_run()

    @on(Input.Changed, "#compression")
    def _setting_edited(self, event: Input.Changed) -> None:
        self._check_spec(event.value)

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.action_run()

    def _show_model(self, row: ModelRow | None) -> None:
        detail = self.query_one("#model-detail", Static)
        if row is None:
            detail.update("no models registered")
            return
        info = row.info
        text = Text()
        text.append(info.name, style="bold")
        text.append(
            f"  {info.family} {info.task}, {fmt_count(info.params)} params, input {fmt_shape(info.input_shape)}"
        )
        source = info.weights_source
        shown = source if not row.weights or source.startswith(row.weights) else row.weights
        text.append(f"\nweights: {shown}")
        chosen = getattr(self.app, "weights", None)  # --weights or the w key: every model of this session
        if chosen is not None and not row.model_args:
            text.append(f"  (this run: {chosen}, w changes it)", style="yellow")
        if row.missing.startswith("fetch: "):
            file_name = row.missing.removeprefix("fetch: ")
            text.append(f"\npretrained: `tocompress fetch {info.name}` gets {file_name}", style="yellow")
        text.append("\nevaluation data: ")
        if self.dataset:
            text.append(f"{self.dataset} (--dataset)")
        elif info.dataset:
            text.append(f"{info.dataset} (the model's default)")
        else:
            text.append("none shipped for this model; pass --dataset", style="yellow")
        if not row.model_args:
            text.append("\n")
            text.append_text(self._memory_text(info.name, chosen, row.weights))
        if self.pythons:  # worker interpreters other than this one: say which run where
            text.append("\nworkers: " + ", ".join(f"{path} ({flag})" for flag, path in self.pythons.items()))
        text.append("\n")
        text.append("✓ " if row.available else "✗ ", style="green" if row.available else "red")
        text.append(row.reason, style="" if row.available else "yellow")
        detail.update(text)

    def _memory_text(self, name: str, chosen: str | None, source: str) -> Text:
        """The estimated peak of each stage for the setting typed so far (the baseline while it does not parse)."""
        try:
            spec = self.current_spec()
        except SpecError:
            spec = CompressionSpec()
        try:
            limit = self.current_options().eval_limit
        except (ValueError, UserError):
            limit = None
        random_weights = (chosen or ("random" if source == "random" else "pretrained")) == "random"
        return memory_text(name, spec, limit, random_weights)

    def _check_spec(self, value: str) -> bool:
        detail = self.query_one("#spec-detail", Static)
        try:
            spec = CompressionSpec.parse(value)
        except SpecError as exc:
            detail.update(Text(str(exc), style="red"))
            return False
        detail.update(Text(f"{spec}: {describe_spec(spec)}", style="dim"))
        self.show_error("")
        if self.is_mounted:
            self._show_model(self.selected_row())  # the memory estimate follows the setting
        return True

    def action_preset(self, preset: str) -> None:
        self.query_one("#compression", Input).value = preset

    def action_swap_order(self) -> None:
        try:
            spec = self.current_spec()
        except SpecError as exc:
            self.show_error(str(exc))
            return
        self.query_one("#compression", Input).value = str(swap_order(spec))

    def action_cycle_weights(self) -> None:
        """w: every model with seeded random weights, with pretrained ones, or (again) each with its default."""
        order = [None, "random", "pretrained"]
        current = getattr(self.app, "weights", None)
        chosen = order[(order.index(current) + 1) % len(order)] if current in order else None
        self.app.weights = chosen  # type: ignore[attr-defined]  # TocompressApp passes it to the session
        self.notify(f"weights: {chosen or 'each model its default (pretrained where its file is here)'}")
        self._show_model(self.selected_row())

    def action_run(self) -> None:
        """Validate everything, show the first problem as one line, or ask the App to start."""
        row = self.selected_row()
        if row is None:
            self.show_error("no model to run")
            return
        if not row.available:
            self.show_error(f"{row.info.name} cannot run here: {row.reason}")
            return
        chosen = getattr(self.app, "weights", None)
        if chosen is not None and not row.model_args:
            from core.models.registry import availability

            ok, reason = availability(row.info, chosen)
            if not ok:
                self.show_error(f"{row.info.name} cannot run with {chosen} weights here: {reason}")
                return
        try:
            spec = self.current_spec()
            options = self.current_options()
        except SpecError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.post_message(self.RunRequested(row.info.name, spec, options))
