"""A drawn figure with its caption and numbers, and the shared look: the object API on the Agg canvas, no pyplot.

No pyplot means no global backend or figure registry: a report in a thread, a test or a headless board draws the
same way, and nothing needs closing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Colours for settings (the baseline is grey), readable in print and for common colour-blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
BASELINE_COLOUR = "#999999"


@dataclass
class Drawn:
    """One figure: file stem, title, the matplotlib Figure, its caption, and a table of the numbers it shows."""

    name: str
    title: str
    figure: Figure
    caption: str
    table: list[list[str]] = field(default_factory=list)  # first row: the header


def new_figure(width_in: float, height_in: float) -> Figure:
    """A figure on an Agg canvas, in the paper's plain style (serif-free, light grid, no top/right spines)."""
    fig = Figure(figsize=(width_in, height_in), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plain_axes(ax: object) -> None:
    """Light horizontal grid under the data, no top or right spine."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for a table cell; a missing value is an em dash, never 0."""
    return "—" if value is None else f"{value:.{digits}g}"
