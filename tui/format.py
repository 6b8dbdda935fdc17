"""Human formatting of metric values (bytes, seconds, watts, fractions), shared by the CLI and the dashboard."""

from __future__ import annotations

from typing import Any


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    if abs(s) < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if abs(s) < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_value(value: float | None, unit: str) -> str:
    """Format one metric by its unit: B, s, W, J, % or a 0..1 fraction (shown as a percentage)."""
    if value is None:
        return "n/a"
    if unit == "B":
        return fmt_bytes(value)
    if unit == "s":
        return fmt_seconds(value)
    if unit == "W":
        return f"{value:.2f} W"
    if unit == "J":
        return f"{value * 1e3:.2f} mJ" if abs(value) < 1 else f"{value:.2f} J"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "" and isinstance(value, float) and 0 <= value <= 1:
        return f"{value * 100:.2f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.4g}"


def fmt_delta(metric: dict[str, Any]) -> str:
    d = metric.get("delta_pct")
    return "n/a" if d is None else f"{d:+.1f}%"


def delta_style(metric: dict[str, Any]) -> str:
    """Green when the change is good for that metric, red when bad, dim when neutral or unknown."""
    better = metric.get("better")
    return "green" if better is True else "red" if better is False else "dim"
