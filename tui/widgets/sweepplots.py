"""Scatter plots of sweep points (textual-plotext): one model's trade-off with its front marked, and all models
with the marker by parameter class, since plotext cannot size markers (the paper's bubble charts size bubbles)."""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

from core.sweep.points import Point, by_model, group_of, quality_kind

SIZE_CLASSES = ((1e6, "·"), (1e7, "o"), (5e7, "O"), (float("inf"), "@"))


def size_marker(params: float | None) -> str:
    """A marker character by parameter count (plotext cannot size markers)."""
    if params is None:
        return "x"
    return next(mark for limit, mark in SIZE_CLASSES if params < limit)


def scatter(widget: PlotextPlot, points: list[Point], front: set[str], fx: Any, fy: Any) -> None:
    """One model's points as x=fx(point), y=fy(point): the front as green `*`, the others as grey `o`."""
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    for on_front, marker, color in ((False, "o", "gray"), (True, "*", "green")):
        pts = [p for p in points if (p.key in front) == on_front and fx(p) is not None and fy(p) is not None]
        if pts:
            label = "front" if on_front else "other"
            plt.scatter([fx(p) for p in pts], [fy(p) for p in pts], marker=marker, color=color, label=label)
    pad_limits(plt, [fx(p) for p in points], [fy(p) for p in points])


def draw_models(widget: PlotextPlot, all_points: list[Point]) -> None:
    """Every model's points, latency against quality, one colour per model, the marker by parameter class."""
    plt = widget.plt
    plt.clear_data()
    plt.clear_figure()
    colors = ("cyan", "magenta", "yellow", "green", "red", "blue", "white")
    for i, (model, points) in enumerate(by_model(all_points).items()):
        kind = quality_kind(points)
        pts = [p for p in points if p.latency_s is not None and kind and p.quality(kind) is not None]
        if not pts:
            continue
        marker = size_marker(pts[0].params)
        plt.scatter(
            [ms(p.latency_s) for p in pts],
            [pct(p.quality(kind)) for p in pts],  # type: ignore[arg-type]
            marker=marker,
            color=colors[i % len(colors)],
            label=f"{model} {marker}",
        )
    every = [p for p in all_points if p.latency_s is not None]
    kinds = {m: quality_kind(ps) for m, ps in by_model(all_points).items()}
    pad_limits(
        plt,
        [ms(p.latency_s) for p in every],
        [pct(p.quality(kinds[group_of(p)])) if kinds[group_of(p)] else None for p in every],  # type: ignore[arg-type]
    )
    plt.title("ms vs quality %, params: ·<1M o<10M O<50M @")
    widget.refresh()


def pad_limits(plt: Any, xs: list[float | None], ys: list[float | None]) -> None:
    """Axis limits a little wider than the data, so equal values (top-1 100% everywhere) do not fill the axis."""
    for values, setter in ((xs, plt.xlim), (ys, plt.ylim)):
        known = [v for v in values if v is not None]
        if known:
            lo, hi = min(known), max(known)
            pad = max((hi - lo) * 0.08, abs(hi) * 0.02, 1e-9)
            setter(lo - pad, hi + pad)


def kb(b: float | None) -> float | None:
    return None if b is None else b / 1e3


def ms(s: float | None) -> float | None:
    return None if s is None else s * 1e3


def mj(j: float | None) -> float | None:
    return None if j is None else j * 1e3


def pct(x: float | None) -> float | None:
    return None if x is None else x * 100
