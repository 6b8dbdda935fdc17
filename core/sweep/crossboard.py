"""The cross-board view of a fleet sweep: for each model and setting, its ratio to the baseline on each board,
side by side, so "does the same setting help on one board and hurt on another?" is one row."""

from __future__ import annotations

from dataclasses import dataclass

from core.sweep.points import Point

METRICS = (("latency", "latency_s"), ("energy", "energy_j"), ("size", "size_bytes"))


@dataclass(frozen=True)
class CrossRow:
    """One setting of one model: per board, metric -> ratio to that board's baseline (None: not measured)."""

    model: str
    setting: str
    ratios: dict[str, dict[str, float | None]]


def boards_of(points: list[Point]) -> list[str]:
    return sorted({p.board for p in points if p.board is not None})


def cross_board_rows(points: list[Point]) -> list[CrossRow]:
    """Rows for every (model, setting) measured on a board; the baseline's own row is left out (all 1)."""
    base = {(p.model, p.board): p for p in points if p.is_baseline and p.status != "failed"}
    cells: dict[tuple[str, str], dict[str, dict[str, float | None]]] = {}
    for p in points:
        if p.board is None or p.is_baseline:
            continue
        b = base.get((p.model, p.board))
        ratios: dict[str, float | None] = {}
        for name, attr in METRICS:
            value, ref = getattr(p, attr), getattr(b, attr) if b is not None else None
            ok = value is not None and ref and p.status != "failed"
            ratios[name] = value / ref if ok else None
        cells.setdefault((p.model, p.setting), {})[p.board] = ratios
    return [CrossRow(m, s, r) for (m, s), r in cells.items()]
