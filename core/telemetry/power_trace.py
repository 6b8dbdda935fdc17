"""Timestamped power traces as CSV: an external meter's export, and the onboard trace the calibration workload keeps.

Columns (header row, names case-insensitive, units in brackets or after `_` accepted):
- time: `time_s`, `time`, `timestamp`, `t`, `time (s)`, `elapsed`: seconds (any origin), or ISO-8601 date-times
  (`2026-12-04T23:41:53.250`, `2026-12-04 23:41:53`);
- power: `power_w` / `power` / `watts` / `power (w)` in W, or `power_mw` in mW; or else voltage and current:
  `voltage_v` / `voltage` / `v` / `voltage (v)` (or `voltage_mv`) times `current_a` / `current` / `a` / `current (a)`
  (or `current_ma`).
Other columns are ignored; lines starting with `#` are comments (the onboard trace keeps `# key=value` facts there).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from core.atomic import write_atomic
from core.telemetry.calibration import CalibrationError

_TIME = ("time_s", "time", "timestamp", "t", "elapsed", "elapsed_s", "seconds")
_POWER_W = ("power_w", "power", "watts", "w", "p")
_VOLT = ("voltage_v", "voltage", "v", "volts", "u")
_CURR = ("current_a", "current", "a", "amps", "i")


@dataclass
class PowerTrace:
    """Seconds and watts, oldest first, and the `# key=value` facts the file carried."""

    t_s: np.ndarray
    power_w: np.ndarray
    facts: dict[str, str] = field(default_factory=dict)


def _norm(name: str) -> str:
    """`Power (W)` -> `power_w`, `Current [mA]` -> `current_ma`."""
    name = re.sub(r"[\[\(]\s*([A-Za-z]+)\s*[\]\)]", r"_\1", name.strip().lower())
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def _column(header: list[str], names: tuple[str, ...], scale: float = 1.0) -> tuple[int, float] | None:
    for name in names:
        if name in header:
            return header.index(name), scale
    return None


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp()


def read_trace(path: Path | str) -> PowerTrace:
    """A trace from CSV (see the module docstring); one clear CalibrationError for a file it cannot use."""
    path = Path(path)
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise CalibrationError(f"cannot read power trace {path}: {exc.strerror}") from exc
    facts = dict(
        line[1:].strip().split("=", 1) for line in text.splitlines() if line.startswith("#") and "=" in line
    )
    rows = [
        r for r in csv.reader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    ]
    if len(rows) < 3:
        raise CalibrationError(
            f"power trace {path} holds {max(len(rows) - 1, 0)} rows; it needs a header and rows"
        )
    header = [_norm(h) for h in rows[0]]
    time_col = _column(header, _TIME)
    power = _column(header, _POWER_W) or _column(header, ("power_mw",), 1e-3)
    volt = _column(header, _VOLT) or _column(header, ("voltage_mv",), 1e-3)
    curr = _column(header, _CURR) or _column(header, ("current_ma",), 1e-3)
    if time_col is None or (power is None and (volt is None or curr is None)):
        raise CalibrationError(
            f"power trace {path}: columns {rows[0]} lack a time column (time_s, timestamp) and a power column "
            "(power_w, power_mw) or voltage and current (voltage_v, current_a); rename its header row"
        )
    t, p = [], []
    for line, row in enumerate(rows[1:], start=2):
        try:
            t.append(_seconds(row[time_col[0]]))
            if power is not None:
                p.append(float(row[power[0]]) * power[1])
            else:
                assert volt is not None and curr is not None
                p.append(float(row[volt[0]]) * volt[1] * float(row[curr[0]]) * curr[1])
        except (ValueError, IndexError) as exc:
            raise CalibrationError(
                f"power trace {path} line {line}: {row} is not a number or time ({exc})"
            ) from exc
    order = np.argsort(np.array(t), kind="stable")
    return PowerTrace(np.array(t)[order], np.array(p)[order], facts)


def write_trace(path: Path | str, trace: PowerTrace) -> Path:
    """The onboard trace as CSV (time_s, power_w) with its facts as `# key=value` lines, written atomically."""
    out = io.StringIO()
    for key, value in trace.facts.items():
        out.write(f"# {key}={value}\n")
    out.write("time_s,power_w\n")
    for t, p in zip(trace.t_s, trace.power_w, strict=True):
        if np.isfinite(p):
            out.write(f"{t:.6f},{p:.6f}\n")
    try:
        return write_atomic(path, [out.getvalue().encode()])
    except OSError as exc:
        raise CalibrationError(f"cannot write {path}: {exc.strerror}") from exc


__all__ = ["PowerTrace", "read_trace", "write_trace"]
