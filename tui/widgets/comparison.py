"""The before/after table: each metric of two runs side by side, its change in percent coloured better or worse.

It only formats the comparison dict that `core.results.compare_runs` builds, so the CLI and the dashboard agree.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui.format import fmt_delta, fmt_value

BETTER_STYLE = "bold green"
WORSE_STYLE = "bold red"


def delta_text(metric: dict[str, Any]) -> Text:
    """The change in percent, green when better for this metric, red when worse, plain when neither applies."""
    if metric.get("delta_pct") is None:
        return Text(fmt_delta(metric), style="dim")
    better = metric.get("better")
    style = "" if better is None else (BETTER_STYLE if better else WORSE_STYLE)
    mark = "" if better is None else (" ▲" if better else " ▼")
    return Text(fmt_delta(metric) + mark, style=style)


def comparison_table(
    comparison: dict[str, Any], base_label: str | None = None, comp_label: str | None = None
) -> Table:
    """A Rich table: metric | base | compressed | change; rows whose both values are missing are left out."""
    table = Table(expand=True, box=None, pad_edge=False, header_style="bold")
    table.add_column("Metric", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column(base_label or str(comparison.get("baseline")), ratio=2, justify="right", no_wrap=True)
    table.add_column(comp_label or str(comparison.get("compressed")), ratio=2, justify="right", no_wrap=True)
    table.add_column("change", ratio=2, justify="right", no_wrap=True)
    for metric in comparison.get("metrics", []):
        if metric.get("base") is None and metric.get("comp") is None:
            continue
        table.add_row(
            metric["label"],
            fmt_value(metric.get("base"), metric.get("unit", "")),
            fmt_value(metric.get("comp"), metric.get("unit", "")),
            delta_text(metric),
        )
    return table


def verdict_lines(comparison: dict[str, Any]) -> Text:
    """One line per goal: ✓ better, ✗ worse, · no call (not measured or no real change)."""
    text = Text()
    for i, verdict in enumerate(comparison.get("verdicts", [])):
        better = verdict.get("better")
        mark, style = (
            ("·", "dim") if better is None else (("✓", BETTER_STYLE) if better else ("✗", WORSE_STYLE))
        )
        if i:
            text.append("\n")
        text.append(f"{mark} ", style=style)
        text.append(f"{verdict['goal']:<9}", style="bold")
        text.append(str(verdict["text"]))
    return text


def missing_metrics(comparison: dict[str, Any]) -> list[str]:
    """Labels of the metrics neither run measured, so the screen can say what this machine could not measure."""
    return [
        m["label"] for m in comparison.get("metrics", []) if m.get("base") is None and m.get("comp") is None
    ]


class ComparisonView(Static):
    """The table, then the verdicts, then which metrics were not measured at all."""

    DEFAULT_CSS = """
    ComparisonView { height: auto; }
    """

    def show(
        self,
        comparison: dict[str, Any],
        base_label: str | None = None,
        comp_label: str | None = None,
        verdicts: bool = True,
    ) -> None:
        """Draw it; `verdicts=False` for a lone run, where there is nothing to judge."""
        parts: list[Any] = [comparison_table(comparison, base_label, comp_label)]
        if verdicts:
            parts += [Text(""), verdict_lines(comparison)]
        missing = missing_metrics(comparison)
        if missing:
            parts.append(Text("\nnot measured here: " + ", ".join(missing), style="dim"))
        self.update(Group(*parts))
