"""The result file: a versioned JSON record of one comparison (baseline against a compressed setting).

Saved atomically so a crash never leaves half a file, and loaded by a reader that keeps accepting older versions.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core import __version__

SCHEMA_VERSION = 1


class ResultFileError(ValueError):
    """A result file that cannot be written or read; the message says which and what to do."""


# key, label, unit, path into a RunResult, lower is better (None: no better/worse, just a change)
METRICS: tuple[tuple[str, str, str, tuple[str, ...], bool | None], ...] = (
    ("size_bytes", "Model size", "B", ("model", "size_bytes"), True),
    ("nonzero_params", "Non-zero params", "", ("model", "nonzero_params"), True),
    ("latency_mean_s", "Inference time (mean)", "s", ("latency", "mean_s"), True),
    ("latency_p99_s", "Inference time (p99)", "s", ("latency", "p99_s"), True),
    ("energy_j", "Energy / inference", "J", ("energy", "j_per_inference"), True),
    ("power_mean_w", "Power (mean)", "W", ("power", "mean_w"), True),
    ("power_peak_w", "Power (peak)", "W", ("power", "peak_w"), True),
    ("gpu_load_pct", "GPU load (mean)", "%", ("gpu", "mean_load_pct"), None),
    ("peak_rss_bytes", "Peak RSS", "B", ("memory", "peak_rss_bytes"), True),
    ("delta_rss_bytes", "Memory footprint", "B", ("memory", "delta_rss_bytes"), True),
    ("top1", "Top-1 accuracy", "", ("accuracy", "top1"), False),
    ("top5", "Top-5 accuracy", "", ("accuracy", "top5"), False),
    ("precision", "Precision (macro)", "", ("accuracy", "precision"), False),
    ("recall", "Recall (macro)", "", ("accuracy", "recall"), False),
    ("f1", "F1 (macro)", "", ("accuracy", "f1"), False),
)


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def metric_value(run: dict[str, Any] | None, path: tuple[str, ...]) -> float | None:
    node: Any = run
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def compare_runs(base: dict[str, Any], comp: dict[str, Any]) -> dict[str, Any]:
    """The paper's before/after view: every metric of both runs, its change in percent and whether that is better."""
    metrics = []
    for key, label, unit, path, lower_is_better in METRICS:
        b, c = metric_value(base, path), metric_value(comp, path)
        delta_pct = None
        if b is not None and c is not None and b != 0:
            delta_pct = (c - b) / abs(b) * 100.0
        elif b == 0 and c == 0:
            delta_pct = 0.0
        better = None
        if delta_pct is not None and lower_is_better is not None and abs(delta_pct) >= 0.05:
            better = (delta_pct < 0) == lower_is_better
        metrics.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "base": b,
                "comp": c,
                "delta_pct": delta_pct,
                "better": better,
                "lower_is_better": lower_is_better,
            }
        )
    if _within_confidence(base, comp):  # a change inside both CIs is noise, neither better nor worse
        next(m for m in metrics if m["key"] == "latency_mean_s")["better"] = None
    return {
        "baseline": base.get("variant"),
        "compressed": comp.get("variant"),
        "metrics": metrics,
        "verdicts": verdicts(metrics, base, comp),
    }


def _metric(metrics: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(m for m in metrics if m["key"] == key)


def verdicts(
    metrics: list[dict[str, Any]], base: dict[str, Any], comp: dict[str, Any]
) -> list[dict[str, Any]]:
    """One line per goal (size, time, energy, accuracy) saying whether compressing helped, or why we cannot tell."""
    out = []
    for goal, key, noun in (
        ("size", "size_bytes", "model size"),
        ("time", "latency_mean_s", "inference time"),
        ("energy", "energy_j", "energy per inference"),
    ):
        m = _metric(metrics, key)
        if m["delta_pct"] is None and m["base"] is not None and m["comp"] is not None:
            text = f"{noun}: {m['base']:.3g} -> {m['comp']:.3g} (no percentage change from zero)"
            out.append({"goal": goal, "text": text, "better": None})
            continue
        if m["delta_pct"] is None:
            reason = _missing_reason(key, base, comp)
            out.append({"goal": goal, "text": f"{noun}: not measured ({reason})", "better": None})
            continue
        d = m["delta_pct"]
        if goal == "size":
            direction = "smaller" if d <= 0 else "larger"
        else:
            direction = "lower" if d <= 0 else "higher"
        text, better = f"{noun} {abs(d):.1f}% {direction}", m["better"]
        if goal == "time" and _within_confidence(base, comp):
            text += " (within the 95% confidence bounds: no real change)"
            better = None
        out.append({"goal": goal, "text": text, "better": better})
    acc = _metric(metrics, "top1")
    if acc["base"] is None or acc["comp"] is None:
        out.append(
            {
                "goal": "accuracy",
                "text": f"accuracy: not measured ({_missing_reason('top1', base, comp)})",
                "better": None,
            }
        )
    else:
        pts = (acc["comp"] - acc["base"]) * 100.0
        better = None if abs(pts) < 0.05 else pts > 0
        text = f"top-1 {acc['comp'] * 100:.1f}% ({pts:+.1f} points vs {acc['base'] * 100:.1f}%)"
        out.append({"goal": "accuracy", "text": text, "better": better})
    return out


def _within_confidence(base: dict[str, Any], comp: dict[str, Any]) -> bool:
    """Whether a latency change is inside the two runs' 95% confidence bounds, so noise is not read as a finding."""
    hb, hc = (
        metric_value(base, ("latency", "ci95_halfwidth_pct")),
        metric_value(comp, ("latency", "ci95_halfwidth_pct")),
    )
    mb, mc = metric_value(base, ("latency", "mean_s")), metric_value(comp, ("latency", "mean_s"))
    if hb is None or hc is None or mb is None or mc is None:
        return False
    return abs(mc - mb) <= mb * hb / 100 + mc * hc / 100


def _missing_reason(key: str, base: dict[str, Any], comp: dict[str, Any]) -> str:
    """Why a metric is missing: the block's own reason where it gives one, else which run lacks it."""
    path = next(m[3] for m in METRICS if m[0] == key)
    for run in (base, comp):
        if metric_value(run, path) is not None:
            continue
        block = run.get(path[0]) if isinstance(run, dict) else None
        if isinstance(block, dict) and block.get("reason"):
            return str(block["reason"])
        return f"{run.get('variant')} did not get that far"
    return "unknown"


def make_result_file(
    model: str, environment: dict[str, Any], runs: list[dict[str, Any]], status: str, errors: list[str]
) -> dict[str, Any]:
    """Assemble the file; the comparison is there once both the baseline and a compressed run exist."""
    base = next((r for r in runs if r.get("variant") == "baseline"), None)
    comp = next((r for r in runs if r.get("variant") != "baseline"), None)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "tocompress", "version": __version__},
        "created": utc_now_iso(),
        "environment": environment,
        "model": model,
        "status": status,
        "runs": runs,
        "comparison": compare_runs(base, comp) if base and comp else None,
        "errors": errors,
    }


def _clean(value: Any) -> Any:
    """Replace NaN/inf by None: JSON has no NaN, and a missing number must read as missing, not as a number."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def save_result(path: str | Path, data: dict[str, Any]) -> Path:
    """Write atomically (temp file in the same folder, fsync, rename) so a crash never leaves a torn file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ResultFileError(f"cannot write {path}: {exc.strerror or exc}; choose a writable path") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_clean(data), fh, indent=2, allow_nan=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ResultFileError(f"cannot write {path}: {exc.strerror or exc}; choose a writable path") from None
    return path


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a result file of this or an older schema version, upgrading it in memory."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultFileError(f"no result file at {path}; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultFileError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ResultFileError(
            f"{path} is not valid JSON (line {exc.lineno}); is it a tocompress result?"
        ) from None
    if not isinstance(data, dict) or "schema_version" not in data or "runs" not in data:
        raise ResultFileError(f"{path} is not a tocompress result file (no schema_version/runs)")
    version = data["schema_version"]
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ResultFileError(
            f"{path} has schema version {version}, newer than this tocompress reads ({SCHEMA_VERSION}); upgrade"
        )
    return data


def compare_files(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Compare two saved result files: the compressed (or only) run of `a` against that of `b`."""
    return compare_runs(_headline_run(a), _headline_run(b))


def _headline_run(data: dict[str, Any]) -> dict[str, Any]:
    runs = data.get("runs") or []
    if not runs:
        raise ResultFileError("result file holds no runs to compare")
    comp = [r for r in runs if r.get("variant") != "baseline"]
    run = dict(comp[-1] if comp else runs[-1])
    run["variant"] = f"{data.get('model')}:{run.get('variant')}"
    return run


def default_result_path(model: str, compression: str, now: datetime | None = None) -> Path:
    """`results/<model>-<setting>-<timestamp>.json`; the setting's `+` becomes `_` to keep shells happy."""
    now = now or datetime.now()
    return Path("results") / f"{model}-{compression.replace('+', '_')}-{now:%Y%m%d-%H%M%S}.json"


def validate_result(data: dict[str, Any]) -> None:
    """Validate against assets/result.schema.json; raises jsonschema.ValidationError."""
    import jsonschema

    from core.paths import asset

    schema = json.loads(asset("result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(_clean(data), schema)
