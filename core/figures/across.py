"""Across models: the bubble chart (size against accuracy, bubble area by latency) and each model's Pareto front.

Quality is top-1 where the model has labels, else fidelity (core.sweep.points.quality_kind); a point without
size or quality is not placed (named in the caption), and a point without latency is drawn hollow at a fixed size.
"""

from __future__ import annotations

from typing import Any

from matplotlib.ticker import FuncFormatter

from core.figures.drawn import Drawn, colour, fmt, new_figure, plain_axes
from core.sweep.pareto import pareto_front
from core.sweep.points import Point, by_model, quality_kind

MB = 1e6
MAX_AREA_PT2 = 900.0  # the slowest point's bubble area (points^2); the others in proportion to their latency
HOLLOW_AREA_PT2 = 40.0


def _log_axis(ax: Any) -> None:
    """Log x with plain numbers (0.2, 0.6, 100) instead of powers of ten."""
    ax.set_xscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.tick_params(axis="x", which="minor", labelsize="x-small")
    low, high = ax.get_ylim()
    if high > 100.0 >= max((t for c in ax.collections for t in c.get_offsets()[:, 1]), default=0.0):
        ax.set_ylim(low, 100.5)  # accuracy cannot pass 100%


def _placed(points: list[Point]) -> tuple[list[tuple[Point, float, float]], list[str], str | None]:
    """Points with their size (MB) and quality (%), the names of points without either, and the quality kind."""
    kind = quality_kind(points)
    placed, skipped = [], []
    for p in points:
        q = p.quality(kind) if kind else None
        if p.status == "failed" or p.size_bytes is None or q is None:
            skipped.append(f"{p.model}:{p.setting}")
        else:
            placed.append((p, p.size_bytes / MB, 100.0 * q))
    return placed, skipped, kind


def bubble_chart(points: list[Point]) -> Drawn | None:
    """Every model's points: x model size (MB, log), y accuracy or fidelity (%), bubble area by latency."""
    groups = by_model(points)
    fig = new_figure(6.4, 4.2)
    ax = fig.add_subplot()
    plain_axes(ax)
    table = [["model", "setting", "size (MB)", "quality (%)", "latency (ms)"]]
    skipped_all: list[str] = []
    kinds = set()
    slowest = max((p.latency_s for p in points if p.latency_s is not None), default=None)
    for i, (model, pts) in enumerate(groups.items()):
        placed, skipped, kind = _placed(pts)
        skipped_all += skipped
        if kind:
            kinds.add(kind)
        for p, mb, q in placed:
            ms = None if p.latency_s is None else 1e3 * p.latency_s
            area = (
                HOLLOW_AREA_PT2 if ms is None or not slowest else max(8.0, MAX_AREA_PT2 * ms / slowest / 1e3)
            )
            face = "none" if ms is None else colour(i)
            ax.scatter([mb], [q], s=area, facecolors=face, edgecolors=colour(i), alpha=0.6,
                       gid=f"bubble|{model}|{p.setting}")  # fmt: skip
            ax.annotate(p.setting, (mb, q), fontsize="x-small", xytext=(4, 3),
                        textcoords="offset points")  # fmt: skip
            table.append([model, p.setting, fmt(mb), fmt(q, 4), fmt(ms)])
        ax.scatter([], [], color=colour(i), label=model)
    if len(table) == 1:
        return None
    _log_axis(ax)
    ax.set_xlabel("model size (MB, log scale)")
    ax.set_ylabel(" / ".join(sorted("top-1 accuracy (%)" if k == "top1" else "fidelity (%)" for k in kinds)))
    ax.set_title("Size against accuracy; bubble area by mean latency")
    ax.legend(frameon=False, fontsize="small")
    caption = "Bubble area proportional to mean latency"
    caption += f" (largest: {1e3 * slowest:.3g} ms)." if slowest else "."
    caption += " Hollow: no latency measured." if any(p.latency_s is None for p in points) else ""
    if "fidelity" in kinds:
        caption += " Fidelity (agreement with the baseline's top-1) where a model has no labels."
    if skipped_all:
        caption += f" Not placed (no size or no accuracy/fidelity, or failed): {', '.join(skipped_all)}."
    return Drawn("bubble", "Across models: size, accuracy, latency", fig, caption, table)


def pareto_chart(points: list[Point]) -> Drawn | None:
    """Each model's points on size against quality; the Pareto front (core.sweep.pareto) filled and joined."""
    groups = by_model(points)
    fig = new_figure(6.4, 4.2)
    ax = fig.add_subplot()
    plain_axes(ax)
    table = [["model", "front (by size)", "metrics used", "notes"]]
    for i, (model, pts) in enumerate(groups.items()):
        placed, _, _ = _placed(pts)
        if not placed:
            continue
        result = pareto_front(pts)
        keys = result.keys()
        ax.scatter([mb for _, mb, _ in placed], [q for _, _, q in placed], s=30, facecolors="none",
                   edgecolors=colour(i), label=model)  # fmt: skip
        front = sorted((x for x in placed if x[0].key in keys), key=lambda x: x[1])
        if front:
            ax.plot([mb for _, mb, _ in front], [q for _, _, q in front], "o-", color=colour(i),
                    markersize=6, gid=f"front|{model}")  # fmt: skip
            for p, mb, q in front:
                ax.annotate(p.setting, (mb, q), fontsize="x-small", xytext=(4, -9),
                            textcoords="offset points")  # fmt: skip
        table.append([model, ", ".join(x[0].setting for x in front) or "—", ", ".join(result.metrics) or "—",
                      "; ".join(result.notes) or "—"])  # fmt: skip
    if len(table) == 1:
        return None
    _log_axis(ax)
    ax.set_xlabel("model size (MB, log scale)")
    ax.set_ylabel("accuracy or fidelity (%)")
    ax.set_title("Pareto front per model (filled, joined)")
    ax.legend(frameon=False, fontsize="small")
    caption = (
        "Hollow: every measured point; filled and joined: the points no other point beats on every metric the "
        "front uses (size, latency, energy where every point has it, and quality), drawn on size against quality."
    )
    notes = sorted({n for row in table[1:] for n in row[3].split("; ") if n != "—"})
    if notes:
        caption += " " + " ".join(n[0].upper() + n[1:] + "." for n in notes)
    return Drawn("pareto", "Pareto front", fig, caption, table)


__all__ = ["bubble_chart", "pareto_chart"]
