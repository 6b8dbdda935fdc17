"""Time-series plots drawn with textual-plotext, fed from sampler snapshots.

Plotext gives axes with values and time ticks and horizontal reference lines (the idle line), which a Sparkline
cannot; its cost grows with the number of points, so series are binned to about two points per column first.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np
from textual_plotext import PlotextPlot


class SeriesView(NamedTuple):
    """One reading found in a snapshot: which source it came from, times (monotonic s) and values."""

    source: str
    t: np.ndarray
    y: np.ndarray


def find_series(snapshot: dict[str, Any] | None, key: str) -> SeriesView | None:
    """The first source in the snapshot that has non-empty, not-all-missing values for `key`."""
    for name, series in (snapshot or {}).items():
        values = getattr(series, "values", {}).get(key)
        if values is None or len(values) == 0:
            continue
        y = np.asarray(values, dtype=float)
        t = np.asarray(series.t, dtype=float)[-len(y) :]
        keep = np.isfinite(y)
        if keep.any():
            return SeriesView(name, t[keep], y[keep])
    return None


def rail_keys(snapshot: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(source, key) of every per-rail power reading (`rail_<NAME>_power_mw`) in the snapshot."""
    found = []
    for name, series in (snapshot or {}).items():
        for key in getattr(series, "values", {}):
            if key.startswith("rail_") and key.endswith("_power_mw"):
                found.append((name, key))
    return found


def set_sparkline(sparkline: Any, data: list[float]) -> None:
    """Give a Sparkline new data only when it differs, since every assignment repaints it."""
    if list(sparkline.data or []) != data:
        sparkline.data = data


def downsample(t: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin to at most `max_points` by mean, so a 1 kHz power trace plots as fast as a 1 Hz one."""
    n = len(y)
    if n <= max_points or max_points < 1:
        return t, y
    edges = np.linspace(0, n, max_points + 1).astype(int)
    counts = np.diff(edges)
    keep = counts > 0
    sums_y = np.add.reduceat(y, edges[:-1][keep])
    sums_t = np.add.reduceat(t, edges[:-1][keep])
    return sums_t / counts[keep], sums_y / counts[keep]


class TimePlot(PlotextPlot):
    """Lines over the last minutes, x in seconds since the run started, with optional horizontal markers.

    A redraw costs several milliseconds (plotext builds the chart, then it is parsed from ANSI), so it happens at
    most every `min_interval_s`, not on every tick of the panels around it.
    """

    min_interval_s = 0.5
    _drawn_at = float("-inf")

    DEFAULT_CSS = """
    TimePlot { height: 1fr; min-height: 4; }
    """

    def draw(
        self,
        lines: list[tuple[np.ndarray, np.ndarray, str, str]],
        t0: float,
        hlines: list[tuple[float, str]] = (),  # type: ignore[assignment]
        ylim: tuple[float, float] | None = None,
    ) -> None:
        """Replace the plot: `lines` are (t, y, label, colour); `hlines` are (y, colour)."""
        now = time.monotonic()
        if now - self._drawn_at < self.min_interval_s:
            return
        self._drawn_at = now
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        max_points = max(2 * self.size.width, 20)
        for t, y, label, color in lines:
            tx, ty = downsample(t - t0, y, max_points)
            plt.plot(tx.tolist(), ty.tolist(), label=label, color=color, marker="braille")
        for value, color in hlines:
            plt.hline(value, color)
        if ylim is not None:
            plt.ylim(*ylim)
        plt.xfrequency(3)
        plt.yfrequency(3)
        self.refresh()
