"""What `tocompress report` reads: a sweep file, a single result JSON, or a recording, as per-model run groups.

A sweep line carries its setting's run (and the baseline run it was compared with); a result holds a baseline and
its compressed runs; a recording (`run --record`) holds a result in its `session-result` event and the telemetry
over time. All three become `ModelRuns`: one model's baseline run and its settings' runs, in the order measured.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.report.comparison import baseline_run, compressed_runs
from core.sweep.points import Point, point_of, point_run, points_of
from core.sweep.store import read_sweep
from core.telemetry.replay import TRACE_FORMAT, Trace, load_trace


class ReportInputError(UserError, ValueError):
    """A file `report` cannot read; the message says which and what to give instead."""


@dataclass
class ModelRuns:
    """One model: its baseline run (None when the file has none) and each setting's run, in file order."""

    model: str
    baseline: dict[str, Any] | None = None
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ReportInput:
    """Everything a report draws from: run groups per model, sweep points, and a recording's telemetry."""

    path: Path
    kind: str  # "sweep", "result" or "recording"
    models: list[ModelRuns]
    points: list[Point]
    trace: Trace | None = None
    note: str | None = None  # what reading the file skipped (a torn sweep line)


def _first_line(path: Path) -> dict[str, Any] | None:
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            line = f.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"cannot read {path}: {exc}") from None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def load_input(path: str | Path) -> ReportInput:
    """Read `path` as a recording, a result JSON or a sweep file (in that order of checks)."""
    p = Path(path)
    if not p.is_file():
        raise ReportInputError(f"no file at {p}; give a sweep file (.jsonl), a result (.json) or a recording")
    first = _first_line(p)
    if first is not None and first.get("format") == TRACE_FORMAT:
        return _from_recording(p)
    if p.suffix == ".json" or (first is not None and "sweep" not in first and "runs" not in first):
        try:
            result = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            result = None
        if isinstance(result, dict) and isinstance(result.get("runs"), list):
            return _from_result(p, result, "result")
    records, note = read_sweep(p)
    if not records:
        raise ReportInputError(f"{p} holds no results; give a sweep file, a result JSON or a recording")
    if len(records) == 1 and "sweep" not in records[0]:
        return _from_result(p, records[0], "result")
    return _from_sweep(p, records, note)


def _from_recording(p: Path) -> ReportInput:
    try:
        trace = load_trace(p)
    except (OSError, ValueError) as exc:
        raise ReportInputError(str(exc)) from None
    result = next((e.get("result") for e in trace.events if e.get("type") == "session-result"), None)
    if not isinstance(result, dict):  # a recording cut before the end: runs as they finished
        runs = [e["run"] for e in trace.events if e.get("type") == "run" and isinstance(e.get("run"), dict)]
        model = next((r.get("spec", {}).get("model") for r in runs), None) or "model"
        result = {"model": model, "runs": runs, "status": "partial"}
    report = _from_result(p, result, "recording")
    report.trace = trace
    return report


def _from_result(p: Path, result: dict[str, Any], kind: str) -> ReportInput:
    model = str(result.get("model") or "model")
    group = ModelRuns(model, baseline_run(result))
    for run in compressed_runs(result):
        group.settings[str(run.get("variant"))] = run
    records = [
        {"sweep": {"key": f"{model}:{r.get('variant')}", "model": model, "setting": r.get("variant")},
         "runs": [r], "status": r.get("status")}
        for r in result.get("runs") or []
    ]  # fmt: skip
    points = [pt for i, rec in enumerate(records) if (pt := point_of(rec, i)) is not None]
    return ReportInput(p, kind, [group], points)


def _from_sweep(p: Path, records: list[dict[str, Any]], note: str | None) -> ReportInput:
    groups: dict[str, ModelRuns] = {}
    for record in records:
        sweep = record.get("sweep") or {}
        run = point_run(record)
        if run is None:
            continue
        model = str(sweep.get("model") or record.get("model") or "model")
        group = groups.setdefault(model, ModelRuns(model))
        setting = str(sweep.get("setting") or run.get("variant"))
        if setting == "baseline":
            group.baseline = run
        else:
            group.settings[setting] = run  # a setting measured again: the later line wins
            if group.baseline is None:
                group.baseline = baseline_run(record)
    return ReportInput(p, "sweep", list(groups.values()), points_of(records), note=note)


__all__ = ["ModelRuns", "ReportInput", "ReportInputError", "load_input"]
