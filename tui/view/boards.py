"""The cross-board view of a fleet sweep as plain text: each setting's ratio to the baseline on each board, side by
side (for `recommend`, the end of a fleet sweep, and the sweep screen's Boards tab)."""

from __future__ import annotations

from core.sweep.crossboard import CrossRow, boards_of, cross_board_rows
from core.sweep.points import Point
from tui.view.format import MISSING


def _ratio(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}x"


def render_cross_board(points: list[Point]) -> str | None:
    """Each setting's latency and energy ratio to its board's baseline, one column per board; None without boards."""
    boards = boards_of(points)
    rows: list[CrossRow] = cross_board_rows(points)
    if len(boards) < 2 or not rows:
        return None
    width = 22
    lines = [
        "across boards: each setting's ratio to the baseline on that board (latency / energy; <1 is better)"
    ]
    lines.append(f"  {'model':<14}{'setting':<16}" + "".join(f"{b:<{width}}" for b in boards))
    for row in sorted(rows, key=lambda r: (r.model, r.setting)):
        cells = []
        for b in boards:
            r = row.ratios.get(b)
            cells.append(MISSING if r is None else f"{_ratio(r['latency'])} / {_ratio(r['energy'])}")
        lines.append(f"  {row.model:<14}{row.setting:<16}" + "".join(f"{c:<{width}}" for c in cells))
    return "\n".join(lines)
