"""The answer forming: each compressed variant's paired time ratio against the baseline and its 95% interval,
narrowing as pairs of blocks arrive (`q8 / baseline: 1.12x (1.08-1.16), 48 pairs`), with a scale that puts the
interval against 1 and the band inside which a change is no real change.

It reads core.run.livestate (the last `pair` event of a variant, then the session's final `run["paired"]`) and is
redrawn by the run screen's timer, so in the quiet-while-timing mode it moves once a second like the numbers.
"""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from core.run.livestate import LiveState, VariantState
from tui.view.format import fmt_ratio
from tui.widgets.livetext import LiveText

BASELINE = "baseline"
# The verdict's practical threshold (comparison.verdict.time.threshold_pct): an interval inside 1 +/- this is no
# real change, and only one beyond it is slower or faster.
BAND_PCT = 2.0
# Half-widths of the scale, as a ratio 1 + s each side of 1 (log-symmetric): the smallest that holds the interval.
SPANS = (0.05, 0.1, 0.2, 0.5, 1.0, 3.0, 9.0)
STOPPED = {
    "narrow": "interval narrow enough",
    "excludes_one": "interval clear of 1",
    "cap": "time cap reached",
}
SESSION_OVER = ("done", "cancelled")  # core.run.session's last states: no more pairs can come
MIN_SCALE = 12  # cells: below this the scale says nothing, so it is left out


def direction(ci95: tuple[float, float] | list[float] | None, final: bool) -> tuple[str, str]:
    """(word, style) for an interval: slower or faster beyond the band, no real change inside it; while pairs
    still arrive, an interval across the band's edge is undecided (at the end it is no real change)."""
    if ci95 is None:
        return ("", "dim")
    lo, hi = ci95
    band = BAND_PCT / 100
    if lo > 1 + band:
        return ("slower", "bold red")
    if hi < 1 - band:
        return ("faster", "bold green")
    if (1 - band <= lo and hi <= 1 + band) or final:
        return ("no real change", "bold")
    return ("undecided", "yellow")


def interval_scale(ratio: float, ci95: tuple[float, float] | list[float], width: int) -> Text:
    """`0.95 ···░░│░░━━●━━···· 1.05`: a log scale around 1 with the band (░), 1 (│), the interval (━), the ratio (●)."""
    lo, hi = ci95
    reach = max(abs(math.log(max(x, 1e-9))) for x in (lo, hi, ratio))
    span = next((s for s in SPANS if math.log1p(s) >= reach), SPANS[-1])
    half = math.log1p(span)
    cells = max(width, 3)

    def cell(r: float) -> int:
        x = (math.log(max(r, 1e-9)) + half) / (2 * half)
        return min(cells - 1, max(0, round(x * (cells - 1))))

    marks = ["·"] * cells
    styles = ["dim"] * cells
    band = BAND_PCT / 100
    for i in range(cell(1 / (1 + band)), cell(1 + band) + 1):
        marks[i], styles[i] = "░", "green"
    colour = direction(ci95, final=False)[1].replace("bold ", "")
    for i in range(cell(lo), cell(hi) + 1):
        marks[i], styles[i] = "━", colour
    marks[cell(1.0)], styles[cell(1.0)] = "│", "bold"
    marks[cell(ratio)], styles[cell(ratio)] = "●", "bold " + colour
    text = Text(f"{1 / (1 + span):.2f} ", style="dim")
    for mark, style in zip(marks, styles, strict=True):
        text.append(mark, style=style)
    text.append(f" {1 + span:.2f}", style="dim")
    return text


def pair_line(v: VariantState, name_width: int, width: int, over: bool) -> Text:
    """One variant's line: the figure, the pairs, the scale (where it fits) and the direction so far; `over`: the
    session has ended (pairs come after both variants' own runs, so a finished variant may still be paired)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{v.name:>{name_width}} / {BASELINE}: ", style="bold")
    final = v.paired_latency
    source: dict[str, Any] | None = final or v.pair
    if source is None or source.get("ratio") is None:
        text.append("not paired in this run" if over else "waiting for pairs", style="dim italic")
        return text
    ratio, ci95 = float(source["ratio"]), source.get("ratio_ci95")
    pairs = source.get("pairs")
    text.append(fmt_ratio(ratio, ci95), style="bold")
    if pairs is not None:
        text.append(f", {pairs} pair{'s' if pairs != 1 else ''}")
    count = int(source.get("processes") or 1)
    if count > 1:  # live: the process now timing; final: the interval is over the processes' ratios
        text.append(f" over {count} processes" if final else f", process {source.get('process')} of {count}")
    if ci95 is None:
        text.append("  interval after more pairs", style="dim")
        return text
    word, style = direction(ci95, final=final is not None)
    tail = f"  {word}" + (
        f" ({STOPPED.get(str(final.get('stopped')), final.get('stopped'))})" if final else ""
    )
    room = width - text.cell_len - len(tail) - 2 - len("0.10  10.00")  # the scale's end labels
    if room >= MIN_SCALE:
        text.append("  ")
        text.append_text(interval_scale(ratio, ci95, room))
    text.append(tail, style=style)
    return text


def pair_lines(live: LiveState, width: int) -> Text:
    """Every compressed variant's line; one line saying why when the run has nothing to pair."""
    compressed = [v for name, v in live.variants.items() if name != BASELINE]
    if BASELINE not in live.variant_names:
        return Text("no baseline in this run, so no paired ratio", style="dim")
    if not compressed:
        return Text("baseline only: no compressed variant to pair with it", style="dim")
    name_width = max(len(v.name) for v in compressed)
    over = live.session_state in SESSION_OVER
    return Text("\n").join(pair_line(v, name_width, width, over) for v in compressed)


class PairPanel(Vertical):
    """The live paired ratio of each compressed variant against the baseline, one line each."""

    def __init__(self, lines: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = max(1, lines)
        self._live: LiveState | None = None

    def compose(self) -> ComposeResult:
        yield LiveText(id="pair-lines")

    def on_mount(self) -> None:
        self.border_title = "Time, paired against the baseline"
        self.border_subtitle = f"95% interval · ░ ±{BAND_PCT:g}%: no real change"
        self.query_one("#pair-lines", LiveText).styles.height = self.lines

    def show(self, live: LiveState) -> None:
        self._live = live
        self.query_one("#pair-lines", LiveText).show(pair_lines(live, self.content_region.width))

    def on_resize(self) -> None:
        """The scale's width follows the panel's (the first draw comes before the layout, at width 0)."""
        if self._live is not None:
            self.show(self._live)
