"""The Pareto front of every model of a sweep as rows, written as CSV and JSON (atomically: core.atomic)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.sweep.pareto import FrontResult
from core.sweep.points import Point, accuracy_drop_points, baseline_of, by_model, quality_kind


def export_rows(points: list[Point], fronts: dict[str, FrontResult]) -> list[dict[str, Any]]:
    """The front points of every model with their figures, for CSV and JSON."""
    rows = []
    for model, points_m in by_model(points).items():
        kind, base = quality_kind(points_m), baseline_of(points_m)
        keys = fronts[model].keys() if model in fronts else set()
        for p in points_m:
            if p.key in keys:
                rows.append(
                    {
                        "model": p.model,
                        "board": p.board,
                        "setting": p.setting,
                        "size_bytes": p.size_bytes,
                        "latency_s": p.latency_s,
                        "energy_j": p.energy_j,
                        "top1": p.top1,
                        "fidelity": p.fidelity,
                        "accuracy_drop_points": accuracy_drop_points(p, base, kind),
                        "params": p.params,
                        **_ratios(p),
                    }
                )
    return rows


def _ratios(p: Point) -> dict[str, float | None]:
    """The paired ratios against the baseline, their 95% bounds and the latency pairs (None before pairing)."""
    out: dict[str, float | None] = {}
    for axis in ("latency", "energy"):
        found = p.ratio(axis)
        out[f"{axis}_ratio"] = found[0] if found else None
        out[f"{axis}_ratio_low"] = found[1][0] if found else None
        out[f"{axis}_ratio_high"] = found[1][1] if found else None
    out["pairs"] = p.pairs
    return out


def front_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    fields = ["model", "board", "setting", "size_bytes", "latency_s", "energy_j", "top1", "fidelity",
              "accuracy_drop_points", "params", "latency_ratio", "latency_ratio_low", "latency_ratio_high",
              "energy_ratio", "energy_ratio_low", "energy_ratio_high", "pairs"]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in fields})
    return out.getvalue()


def export_front(sweep_path: Path, points: list[Point], fronts: dict[str, FrontResult]) -> tuple[Path, int]:
    """`<sweep>.front.csv` and `.front.json` beside the sweep file; returns the CSV path and the row count."""
    rows = export_rows(points, fronts)
    stem = sweep_path.stem + ".front"
    csv_path = write_atomic(sweep_path.with_name(stem + ".csv"), [front_csv(rows).encode()])
    write_atomic(sweep_path.with_name(stem + ".json"), [json.dumps(rows, indent=2).encode()])
    return csv_path, len(rows)
