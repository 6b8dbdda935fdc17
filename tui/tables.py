"""Rich tables of results, shared by `tocompress run`, `tocompress compare` and the dashboard's text exports."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from core.results import METRICS, metric_value
from tui.format import delta_style, fmt_delta, fmt_value


def comparison_table(comparison: dict[str, Any], title: str) -> Table:
    """Metric | before | after | change, the change coloured by whether it is good for that metric."""
    table = Table(title=title)
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
    return table


def run_table(run: dict[str, Any], title: str) -> Table:
    """The metrics of a single run (no baseline to compare with)."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column(str(run.get("variant")), justify="right")
    for _key, label, unit, path, _lower in METRICS:
        table.add_row(label, fmt_value(metric_value(run, path), unit))
    return table
