"""`tocompress models`, `tocompress sensors` and `tocompress compare`: small printed tables."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from tui.view.format import MISSING, fmt_bytes, fmt_params, fmt_shape
from tui.view.tables import comparison_view

NARROW_COLUMNS = 100  # below this the models table drops its family column, so the names keep their width


def model_records() -> list[dict[str, Any]]:
    """The catalog as plain data for `tocompress models --json`: every model with what a script needs to pick one."""
    from tui.view.setupform import catalog_rows

    return [
        {
            "name": row.info.name,
            "family": row.info.family,
            "task": row.info.task,
            "params": row.info.params,
            "input_shape": list(row.info.input_shape) if row.info.input_shape else None,
            "runs_here": row.available,
            "reason": row.reason,
            "weights": row.weights,
            "for_pretrained_weights": row.missing or None,
        }
        for row in catalog_rows()
    ]


def print_models(as_json: bool = False) -> int:
    """The models, names never cut: the name column does not wrap, and on a narrow terminal (or a pipe, 80
    columns) the family column and the weights files go first (one line after the table says where they are)."""
    records = model_records()
    if as_json:
        print(json.dumps(records, indent=2))
        return 0
    console = Console()
    narrow = console.width < NARROW_COLUMNS
    table = Table(title="models")
    name_width = max(len(r["name"]) for r in records)
    table.add_column("name", no_wrap=True, min_width=name_width)
    if not narrow:
        table.add_column("family", no_wrap=True)
    table.add_column("params", no_wrap=True, justify="right")
    table.add_column("input", no_wrap=True)
    table.add_column("runs here", overflow="fold")
    table.add_column("weights", no_wrap=True)
    table.add_column("pretrained weights", ratio=1, overflow="fold")
    for r in records:
        missing = r["for_pretrained_weights"] or ""
        if missing.startswith("fetch: "):
            file = missing.removeprefix("fetch: ")
            missing = "fetch" if narrow else f"tocompress fetch {r['name']} ({file})"
        cells = [
            r["name"],
            *([] if narrow else [r["family"]]),
            fmt_params(r["params"]),
            fmt_shape(r["input_shape"]),
            "[green]yes[/]" if r["runs_here"] else f"[red]no[/]: {r['reason']}",
            r["weights"],
            missing,
        ]
        table.add_row(*cells)
    console.print(table)
    if narrow:
        console.print("fetch: `tocompress fetch NAME` gets pretrained weights; `--json` names the files")
    return 0


def print_sensors(sysfs_root: str, seconds: float, as_json: bool = False) -> int:
    """Every source, available or not, with the reason, what it found, a reading, and the rate it reaches here."""
    from core.telemetry.detect import role_picks, sensor_report

    rows = sensor_report(sysfs_root, measure_s=seconds)
    picks = role_picks({r["name"] for r in rows if r["available"]})
    if as_json:
        print(json.dumps({"sysfs_root": sysfs_root, "picks": picks, "sources": rows}, indent=2, default=str))
        return 0
    table = Table(title=f"telemetry sources (sysfs root {sysfs_root})", expand=True)
    table.add_column("", width=1)
    table.add_column("source", no_wrap=True, min_width=max(len(r["name"]) for r in rows))
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
