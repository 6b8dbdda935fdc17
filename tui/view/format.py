"""Human formatting of numbers and units, the missing-value mark and the change colours, for CLI and dashboard.

Every face of tocompress formats through here, so a value reads the same everywhere and a missing one is
always MISSING (the reason is said next to it, never a 0 in its place).
"""

from __future__ import annotations

from rich.text import Text

from core.report.rows import Row
from core.report.wording import short_count

MISSING = "—"

# One colouring rule for changes and verdicts: green better, red worse, dim neither or not known.
BETTER_STYLE = "green"
WORSE_STYLE = "red"
NEUTRAL_STYLE = "dim"


def change_style(better: bool | None) -> str:
    return NEUTRAL_STYLE if better is None else BETTER_STYLE if better else WORSE_STYLE


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return MISSING
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return MISSING
    if abs(s) < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if abs(s) < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    return MISSING if value is None else f"{value:.{digits}f}%"


def fmt_value(value: float | None, unit: str) -> str:
    """Format one metric by its unit: B, s, W, J, % or a 0..1 fraction (shown as a percentage)."""
    if value is None:
        return MISSING
    if unit == "B":
        return fmt_bytes(value)
    if unit == "s":
        return fmt_seconds(value)
    if unit == "W":
        return f"{value:.2f} W"
    if unit == "J":
        return f"{value * 1e3:.2f} mJ" if abs(value) < 1 else f"{value:.2f} J"
    if unit == "%":
        return fmt_pct(value)
    if unit == "" and isinstance(value, float) and 0 <= value <= 1:
        return fmt_pct(value * 100, 2)
    return fmt_count(value) if float(value).is_integer() else f"{value:.4g}"


def fmt_ratio(ratio: float | None, ci95: tuple[float, float] | list[float] | None = None) -> str:
    """A paired ratio and its 95% interval: `1.12x (1.08-1.16)`; three decimals when the interval is under 0.04
    wide, so a 0.6% difference still shows (`0.994x (0.985-1.003)`)."""
    if ratio is None:
        return MISSING
    if ci95 is None:
        return f"{ratio:.3f}x"
    lo, hi = ci95
    digits = 2 if hi - lo >= 0.04 else 3
    return f"{ratio:.{digits}f}x ({lo:.{digits}f}-{hi:.{digits}f})"


def fmt_count(value: float | None) -> str:
    """A count with thousands separators (params, iterations)."""
    return MISSING if value is None else f"{value:,.0f}"


def fmt_params(value: float | None) -> str:
    """Parameter counts as the paper writes them: 151k, 23.9M, 211M (core.report.wording.short_count)."""
    return MISSING if value is None else short_count(value)


def fmt_shape(shape: tuple[int | None, ...] | list[int | None] | None) -> str:
    """(224, 224, 3) -> 224x224x3; a sequence of token ids of any length, (None,) -> "ids, any length" (a bare
    "n" read as a typo); another unknown dimension -> "?"."""
    if not shape:
        return MISSING
    if len(shape) == 1 and shape[0] is None:
        return "ids, any length"
    return "x".join("?" if d is None else str(d) for d in shape)


def change_text(row: Row) -> Text:
    """A row's change in percent, coloured by whether it is good for that metric, marked ▲ better / ▼ worse."""
    if row.delta_pct is None:
        return Text(MISSING, style=NEUTRAL_STYLE)
    mark = "" if row.better is None else " ▲" if row.better else " ▼"
    return Text(f"{row.delta_pct:+.1f}%{mark}", style=change_style(row.better))
