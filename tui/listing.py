"""`tocompress models`, `tocompress sensors` and `tocompress compare`: small printed tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from tui.format import delta_style, fmt_delta, fmt_value


def print_models() -> int:
    from core.models.registry import availability, list_models

    table = Table(title="models")
    for col in ("name", "family", "params", "input", "available", "weights"):
        table.add_column(col)
    for info in list_models():
        ok, reason = availability(info)
        table.add_row(
            info.name,
            info.family,
            "?"
            if info.params is None
            else f"{info.params / 1e6:.2f}M"
            if info.params > 1e6
            else f"{info.params:,}",
            "x".join(str(d) for d in info.input_shape) if info.input_shape else "-",
            "[green]yes[/]" if ok else f"[red]no[/]: {reason}",
            info.weights_source,
        )
    Console().print(table)
    return 0


def print_sensors(sysfs_root: str, seconds: float) -> int:
    from core.telemetry.detect import sensor_report

    table = Table(title=f"telemetry sources (sysfs root {sysfs_root})")
    for col in ("source", "available", "rate", "details / reason", "reading"):
        table.add_column(col, overflow="fold")
    for row in sensor_report(sysfs_root, measure_s=seconds):
        rate = row.get("achieved_rate_hz")
        table.add_row(
            row["name"],
            "[green]yes[/]" if row["available"] else "[red]no[/]",
            "-" if not rate else f"{rate:,.0f}/s",
            _details(row),
            _readings(row.get("readings") or {}),
        )
    Console().print(table)
    return 0


def _details(row: dict[str, Any]) -> str:
    text = row.get("reason") or ""
    rails = row.get("rails")
    if rails:
        text += "\nrails: " + ", ".join(map(str, rails))
    return text


def _readings(readings: dict[str, Any]) -> str:
    return "\n".join(f"{k}={_num(v)}" for k, v in list(readings.items())[:8])


def _num(v: Any) -> str:
    return "None" if v is None else f"{v:,.1f}" if isinstance(v, float) else str(v)


def print_compare(path_a: str, path_b: str) -> int:
    from core.results import compare_files, load_result

    a, b = load_result(path_a), load_result(path_b)
    comparison = compare_files(a, b)
    table = Table(title=f"{path_a} vs {path_b}")
    table.add_column("metric")
    table.add_column(str(comparison["baseline"]), justify="right")
    table.add_column(str(comparison["compressed"]), justify="right")
    table.add_column("change", justify="right")
    for m in comparison["metrics"]:
        table.add_row(
            m["label"],
            fmt_value(m["base"], m["unit"]),
            fmt_value(m["comp"], m["unit"]),
            f"[{delta_style(m)}]{fmt_delta(m)}[/]",
        )
    Console().print(table)
    return 0
