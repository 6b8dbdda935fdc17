"""Dashboard-only formatting (model table fields); metric values use `tui.format`, shared with the CLI."""

from __future__ import annotations

DASH = "—"


def fmt_count(value: float | None) -> str:
    """A count with thousands separators (params, iterations)."""
    return DASH if value is None else f"{value:,.0f}"


def fmt_shape(shape: tuple[int | None, ...] | list[int | None]) -> str:
    """(224, 224, 3) -> 224x224x3; None dimensions (sequence length) print as `n`."""
    return "x".join("n" if d is None else str(d) for d in shape)


def fmt_params(value: float | None) -> str:
    """Parameter counts as the paper writes them: 151k, 23.9M, 211M."""
    if value is None:
        return DASH
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.0f}"
