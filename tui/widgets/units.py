"""Human formatting of measured values with their units; a missing value prints as an em dash, never as 0."""

from __future__ import annotations

DASH = "—"


def fmt_bytes(value: float | None) -> str:
    """Bytes in B, KB, MB or GB (powers of 1000, as file managers and the paper's tables use)."""
    if value is None:
        return DASH
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}" if abs(value) < 100 * scale else f"{value / scale:.0f} {unit}"
    return f"{value:.0f} B"


def fmt_seconds(value: float | None) -> str:
    """Seconds as s, ms or µs with three significant digits."""
    if value is None:
        return DASH
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def fmt_joules(value: float | None) -> str:
    if value is None:
        return DASH
    for unit, scale in (("J", 1.0), ("mJ", 1e-3), ("µJ", 1e-6)):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} nJ"


def fmt_watts(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f} W"


def fmt_count(value: float | None) -> str:
    """A count with thousands separators (params, iterations)."""
    return DASH if value is None else f"{value:,.0f}"


def fmt_value(value: float | None, unit: str) -> str:
    """Format a comparison metric by its unit ("B", "s", "J", "W", "%", "" for a ratio or a count)."""
    if value is None:
        return DASH
    if unit == "B":
        return fmt_bytes(value)
    if unit == "s":
        return fmt_seconds(value)
    if unit == "J":
        return fmt_joules(value)
    if unit == "W":
        return fmt_watts(value)
    if unit == "%":
        return f"{value:.1f}%"
    if float(value).is_integer() and abs(value) >= 10:
        return fmt_count(value)
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.4g}"


def fmt_delta_pct(value: float | None) -> str:
    return DASH if value is None else f"{value:+.1f}%"


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
