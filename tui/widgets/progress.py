"""Run progress: each variant's phase, iterations, latency so far, and the confidence half-width closing on its target."""

from __future__ import annotations

from statistics import mean

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline

from core.run.livestate import VariantState
from tui.view.format import fmt_seconds
from tui.widgets.livetext import LiveText
from tui.widgets.plots import set_sparkline

PHASE_LABELS: dict[str, str] = {
    "load": "load",
    "compress": "compress",
    "warmup": "warm-up",
    "timing": "timing",
    "tracing": "tracing",
    "evaluating": "evaluating",
}


# The session's states in words, for the moments when no variant is in a phase.
SESSION_STATES = {
    "probing": "probing sensors",
    "idle": "measuring idle power",
    "idle-done": "idle power measured",
    "worker-start": "starting the worker (TensorFlow import)",
    "worker-exit": "worker finished",
    "paired": "paired timing: baseline and compressed in alternating blocks",
    "done": "done",
    "cancelled": "cancelled",
}


def phase_line(variants: list[VariantState], session_state: str | None) -> Text:
    """`baseline ✓  q8 ▸ timing` then the phase steps of the running variant with the current one lit."""
    text = Text()
    running = None
    for v in variants:
        if v.done:
            text.append(f"{v.name} ✓", style="green" if v.status == "complete" else "yellow")
        elif v.phase is not None or v.worker == "starting":
            running = v
            text.append(f"{v.name} ▸", style="bold")
        else:
            text.append(v.name, style="dim")
        text.append("  ")
    if running is None:
        text.append(SESSION_STATES.get(session_state or "", session_state or "starting"), style="italic")
        return text
    if running.worker == "starting":  # a new worker process is importing TensorFlow: no phase yet
        stage = f"{running.stage} " if running.stage else ""
        text.append(f"starting the {stage}worker (TensorFlow import)", style="italic")
        return text
    for i, (key, label) in enumerate(PHASE_LABELS.items()):
        if i:
            text.append("›", style="dim")
        style = "bold reverse" if key == running.phase else "dim"
        text.append(f" {label} ", style=style)
    return text


def numbers_line(variant: VariantState | None) -> Text:
    """Iterations, elapsed, mean latency so far and CI half-width against target for the variant being timed."""
    text = Text()
    if variant is None or variant.progress is None:
        return text
    p = variant.progress
    ci = p.get("ci95_halfwidth_pct")
    target = p.get("target_pct")
    text.append(f"{variant.name}: ", style="dim")
    text.append(f"iter {p.get('iter', 0)}", style="bold")
    text.append(f"  {p.get('elapsed_s', 0.0):.1f} s  mean {fmt_seconds(p.get('mean_s'))}  ")
    if ci is None:
        text.append("CI ±—", style="dim")
    else:
        met = target is not None and ci <= target
        text.append(f"CI ±{ci:.1f}%", style="bold green" if met else "bold yellow")
    if target is not None:
        text.append(f" → {target:g}%", style="dim")
    if variant.latency is not None:
        lat = variant.latency
        conv = "converged" if lat.get("converged") else f"not converged: {lat.get('reason') or '?'}"
        text.append(f"  n={lat.get('n')} {conv}", style="dim")
    return text


class ProgressPanel(Vertical):
    """Two lines of text and a sparkline of the CI half-width, which should fall toward the target."""

    def compose(self) -> ComposeResult:
        yield LiveText(id="phase-line")
        yield LiveText(id="numbers-line")
        yield Sparkline([], id="ci-trend", summary_function=mean)

    def on_mount(self) -> None:
        self.border_title = "Progress"

    def show(
        self, variants: list[VariantState], current: VariantState | None, session_state: str | None
    ) -> None:
        self.query_one("#phase-line", LiveText).show(phase_line(variants, session_state))
        self.query_one("#numbers-line", LiveText).show(numbers_line(current))
        history = current.ci_history[-200:] if current is not None else []
        set_sparkline(self.query_one("#ci-trend", Sparkline), history)
