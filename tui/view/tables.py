"""Rich renderings of the comparison model (core.report.comparison), shared by the CLI and the dashboard.

The CLI prints these and the dashboard's ComparisonView shows them, so both have one table, one verdict
sentence and one colouring rule. `boxed` is the only difference: lines for a terminal printout, none on screen.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from core.report.comparison import Comparison
from core.report.rows import METRICS, metric_value, missing_reason, shown
from core.report.variant_summary import what_was_done
from tui.view.format import NEUTRAL_STYLE, change_style, change_text, fmt_ratio, fmt_value


def _table(title: str | None, boxed: bool) -> Table:
    if boxed:
        return Table(title=title, box=box.SIMPLE_HEAD)
    return Table(title=title, expand=True, box=None, pad_edge=False, header_style="bold")


def comparison_table(
    comparison: Comparison,
    base_label: str | None = None,
    comp_label: str | None = None,
    title: str | None = None,
    boxed: bool = False,
) -> Table:
    """Metric | reference | other | change, and the paired ratio with its 95% interval where a row has one (time,
    energy, power of a paired run); rows neither run measured are left out (`unmeasured_line` names them)."""
    table = _table(title, boxed)
    paired = bool(paired_rows(comparison))
    table.add_column("Metric", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column(base_label or comparison.baseline, ratio=2, justify="right", no_wrap=True)
    table.add_column(comp_label or comparison.compressed, ratio=2, justify="right", no_wrap=True)
    table.add_column("change", ratio=2, justify="right", no_wrap=True)
    if paired:
        table.add_column("ratio (95%)", ratio=3, justify="right", no_wrap=True)
    for row in comparison.rows:
        if row.measured:
            cells: list[Any] = [
                row.label,
                fmt_value(row.base, row.unit),
                fmt_value(row.comp, row.unit),
                change_text(row),
            ]
            if paired:
                cells.append(ratio_text(row))
            table.add_row(*cells)
    return table


def row_ratio(row: Any) -> tuple[float, list[float] | None] | None:
    """A row's paired ratio (compressed / baseline) and 95% interval from its `paired` block (core.report.rows),
    None where the row was not paired (results saved before pairing, rows other than time, energy and power)."""
    paired = getattr(row, "paired", None)
    ratio = paired.get("ratio") if isinstance(paired, dict) else None
    if not isinstance(ratio, (int, float)):
        return None
    ci = paired.get("ratio_ci95") if isinstance(paired, dict) else None
    return float(ratio), list(ci) if isinstance(ci, (list, tuple)) and len(ci) == 2 else None


def paired_rows(comparison: Comparison) -> list[Any]:
    """The shown rows that carry a paired ratio: they get the ratio column and the line under the table."""
    return [row for row in comparison.rows if row.measured and row_ratio(row) is not None]


def ratio_text(row: Any) -> Text:
    """`1.12x (1.08-1.16)` coloured as the row's change is (green better, red worse, dim within the noise)."""
    found = row_ratio(row)
    if found is None:
        return Text("")
    return Text(fmt_ratio(*found), style=change_style(row.better))


def paired_note(comparison: Comparison) -> Text | None:
    """Under the table, where rows are paired: their change and ratio come from the paired timing, while their two
    value columns are each variant's own run, so "400.6 -> 419.3 us, +17.6%" does not read as an error."""
    labels = [row.label for row in paired_rows(comparison)]
    if not labels:
        return None
    return Text(
        f"{', '.join(labels)}: change and ratio from paired timing (both variants in alternating blocks); "
        "the value columns are each variant's own run, timed one after the other",
        style=NEUTRAL_STYLE,
    )


def verdict_text(comparison: Comparison) -> Text:
    """The verdict sentence, each clause coloured by the same rule as the table's changes."""
    text = Text()
    for i, clause in enumerate(comparison.verdict.clauses):
        if i:
            text.append(", ")
        text.append(clause.text, style=change_style(clause.better))
    text.append(": ")
    text.append(comparison.verdict.text, style="bold")
    return text


def unmeasured_line(labels_reasons: list[tuple[str, str | None]]) -> Text | None:
    """`not measured here: Power (mean), Power (peak): no power sensor ...; ...`, each reason said once."""
    if not labels_reasons:
        return None
    groups: dict[str | None, list[str]] = {}
    for label, reason in labels_reasons:
        groups.setdefault(reason, []).append(label)
    parts = [", ".join(labels) + (f": {reason}" if reason else "") for reason, labels in groups.items()]
    return Text("not measured here: " + "; ".join(parts), style=NEUTRAL_STYLE)


def comparison_view(
    comparison: Comparison,
    base_label: str | None = None,
    comp_label: str | None = None,
    title: str | None = None,
    boxed: bool = False,
) -> RenderableType:
    """The table, then the verdict sentence, then what neither run measured and why."""
    table = comparison_table(comparison, base_label, comp_label, title, boxed)
    parts: list[Any] = [table]
    note = paired_note(comparison)
    if note is not None:
        parts.append(note)
    parts += [Text(""), verdict_text(comparison)]
    missing = unmeasured_line([(r.label, r.reason) for r in comparison.unmeasured()])
    if missing is not None:
        parts.append(missing)
    return Group(*parts)


def run_view(run: dict[str, Any], title: str | None = None, boxed: bool = False) -> RenderableType:
    """The metrics of a single run (nothing to compare it with), and what it did not measure and why."""
    table = _table(title, boxed)
    table.add_column("Metric", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column(str(run.get("variant")), ratio=2, justify="right", no_wrap=True)
    missing = []
    for metric in (m for m in METRICS if shown(m, run)):
        value = metric_value(run, metric.path)
        if value is None:
            missing.append((metric.label, missing_reason(run, metric)))
        else:
            table.add_row(metric.label, fmt_value(value, metric.unit))
    line = unmeasured_line(missing)
    return table if line is None else Group(table, line)


def done_text(runs: list[dict[str, Any]]) -> Text:
    """`What was done`: one line per variant (core.report.variant_summary) under the table, so numbers meet their cause."""
    text = Text("\nWhat was done", style="bold")
    for run in runs:
        text.append("\n" + what_was_done(run), style=NEUTRAL_STYLE)
    return text
