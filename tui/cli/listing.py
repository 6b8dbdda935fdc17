"""`tocompress models`, `tocompress sensors` and `tocompress compare`: small printed tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from tui.view.format import MISSING, fmt_bytes, fmt_params, fmt_shape
from tui.view.tables import comparison_view


def print_models() -> int:
    from tui.view.setupform import catalog_rows

    table = Table(title="models")
    for col in ("name", "family", "params", "input", "runs here", "weights", "for pretrained weights"):
        table.add_column(col)
    for row in catalog_rows():
        info = row.info
        missing = row.missing
        if missing.startswith("fetch: "):
            missing = f"`tocompress fetch {info.name}` ({missing.removeprefix('fetch: ')})"
        table.add_row(
            info.name,
            info.family,
            fmt_params(info.params),
            fmt_shape(info.input_shape),
            "[green]yes[/]" if row.available else f"[red]no[/]: {row.reason}",
            row.weights,
            missing,
        )
    Console().print(table)
    return 0


def print_sensors(sysfs_root: str, seconds: float) -> int:
    """Every source, available or not, with the reason, what it found, a reading, and the rate it reaches here."""
    from core.telemetry.detect import GPU_PREFERENCE, POWER_PREFERENCE, sensor_report

    rows = sensor_report(sysfs_root, measure_s=seconds)
    available = {r["name"] for r in rows if r["available"]}
    picks = {
        "power": next((n for n in POWER_PREFERENCE if n in available), None),
        "gpu": next((n for n in GPU_PREFERENCE if n in available), None),
    }
    table = Table(title=f"telemetry sources (sysfs root {sysfs_root})", expand=True)
    table.add_column("", width=1)
    table.add_column("source", no_wrap=True)
    table.add_column("rate /s", justify="right", no_wrap=True)
    table.add_column("what it found, or why not", ratio=1, overflow="fold")
    for row in rows:
        used = [role for role, name in picks.items() if name == row["name"]]
        if row["name"] == "host":
            used.append("memory")
        name = row["name"] + (f"\n[cyan]used: {', '.join(used)}[/]" if used else "")
        table.add_row(
            "[green]✓[/]" if row["available"] else "[red]✗[/]",
            name,
            _rate(row),
            _details(row),
        )
    console = Console()
    console.print(table)
    for role, name in picks.items():
        if name is None:
            console.print(
                f"[yellow]no {role} source here: {role} figures in results will be null, with the reason[/]"
            )
    return 0


def _rate(row: dict[str, Any]) -> str:
    rate = row.get("achieved_rate_hz")
    if not rate:
        return MISSING
    text = f"{rate:,.0f} max"
    if row.get("default_rate_hz"):
        text += f"\n{row['default_rate_hz']:,.0f} used"
    if row.get("update_rate_hz") and row["update_rate_hz"] < rate / 2:
        text += f"\n{row['update_rate_hz']:,.1f} new"
    return text


def _details(row: dict[str, Any]) -> str:
    lines = [row.get("reason") or ""]
    readings = row.get("readings") or {}
    rails = [(k[5:-9], v) for k, v in readings.items() if k.startswith("rail_") and k.endswith("_power_mw")]
    if rails:
        lines.append("rails: " + ", ".join(f"{n} {_num(v)} mW" for n, v in rails))
    other = {k: v for k, v in readings.items() if not k.startswith("rail_")}
    if other:
        lines.append("now: " + ", ".join(f"{k}={_reading(k, v)}" for k, v in other.items()))
    return "\n".join(lines)


def _reading(key: str, v: Any) -> str:
    return fmt_bytes(v) if key.endswith("_bytes") and v is not None else _num(v)


def _num(v: Any) -> str:
    return (
        MISSING
        if v is None
        else f"{v:,.0f}"
        if isinstance(v, float) and abs(v) >= 100
        else f"{v:,.1f}"
        if isinstance(v, float)
        else str(v)
    )


def print_compare(path_a: str, path_b: str) -> int:
    """The headline run of file b against that of file a, with the verdict."""
    from core.report.comparison import compare_results
    from core.report.result_file import load_result

    comparison = compare_results(load_result(path_a), load_result(path_b))
    Console().print(comparison_view(comparison, title=f"{path_a} vs {path_b}", boxed=True))
    return 0
