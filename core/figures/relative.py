"""Each setting's size, latency, energy and quality relative to the baseline (baseline = 1), with 95% intervals.

Latency and energy take the paired ratio and its interval (`run["paired"][metric]`, baseline and compressed
interleaved) where the run has one; otherwise latency's interval combines the two runs' own 95% half-widths
(relative half-widths add in quadrature for a ratio; one process's interval cannot see run-to-run noise), and
energy, which has no per-run interval, is drawn without one. Size and quality are exact counts on the artifact and
the evaluation set: no interval. A value either run lacks is None with the reason, never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.figures.inputs import ModelRuns
from core.report.rows import METRICS, metric_value, missing_reason

# (key, label, path in a run, paired block name or None)
BAR_METRICS: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("size", "size", ("model", "size_bytes"), None),
    ("latency", "latency", ("latency", "mean_s"), "latency"),
    ("energy", "energy / inference", ("energy", "j_per_inference"), "energy"),
)
QUALITY_PATHS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("top1", "top-1 accuracy", ("accuracy", "top1")),
    ("bleu", "BLEU", ("accuracy", "bleu")),
    ("fidelity", "fidelity (top-1 agreement)", ("accuracy", "fidelity", "agreement")),
)


@dataclass(frozen=True)
class Bar:
    """One setting's value of one metric relative to the baseline; `lo`/`hi` bound its 95% interval."""

    metric: str
    setting: str
    ratio: float | None
    lo: float | None
    hi: float | None
    base: float | None  # the absolute values, for the table beside the figure
    comp: float | None
    interval: str  # "paired", "per-run CIs", or "none"
    reason: str | None  # why ratio is None


def quality_metric(group: ModelRuns) -> tuple[str, str, tuple[str, ...]] | None:
    """Top-1 where the baseline has labels' accuracy, else BLEU, else fidelity; None when no run has any."""
    runs = [group.baseline, *group.settings.values()]
    for entry in QUALITY_PATHS:
        if any(metric_value(r, entry[2]) is not None for r in runs):
            return entry
    return None


def _reason(run: dict[str, Any] | None, path: tuple[str, ...], who: str) -> str:
    if run is None:
        return f"no {who} run in the file"
    metric = next((m for m in METRICS if m.path == path), None)
    if metric is not None:
        why = missing_reason(run, metric)
        if why:
            return why
    block = run.get(path[0])
    if isinstance(block, dict) and block.get("reason"):
        return str(block["reason"])
    return f"{run.get('variant')} has no {'.'.join(path)}"


def _paired(run: dict[str, Any], name: str) -> tuple[float, float, float] | None:
    block = (run.get("paired") or {}).get(name)
    if not isinstance(block, dict):
        return None
    ratio, ci = block.get("ratio"), block.get("ratio_ci95")
    if not isinstance(ratio, (int, float)) or not isinstance(ci, (list, tuple)) or len(ci) != 2:
        return None
    if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in (ratio, *ci)):
        return None
    return float(ratio), float(ci[0]), float(ci[1])


def bar(group: ModelRuns, setting: str, metric: str, path: tuple[str, ...], paired: str | None) -> Bar:
    """The bar of `setting` for one metric of `group`."""
    run = group.settings[setting]
    base, comp = metric_value(group.baseline, path), metric_value(run, path)
    if metric == "fidelity" and base is None and group.baseline is not None:
        base = 1.0  # the baseline agrees with itself
    if paired is not None and (p := _paired(run, paired)) is not None:
        return Bar(metric, setting, p[0], p[1], p[2], base, comp, "paired", None)
    if base is None or comp is None or base == 0:
        reason = _reason(group.baseline, path, "baseline") if base is None else _reason(run, path, setting)
        if base == 0:
            reason = "the baseline's value is 0; no ratio"
        return Bar(metric, setting, None, None, None, base, comp, "none", reason)
    ratio = comp / base
    if metric == "latency":
        hb = metric_value(group.baseline, ("latency", "ci95_halfwidth_pct"))
        hc = metric_value(run, ("latency", "ci95_halfwidth_pct"))
        if hb is not None and hc is not None:
            half = math.hypot(hb, hc) / 100.0
            return Bar(
                metric,
                setting,
                ratio,
                ratio * (1 - half),
                ratio * (1 + half),
                base,
                comp,
                "per-run CIs",
                None,
            )
    return Bar(metric, setting, ratio, None, None, base, comp, "none", None)


def model_bars(group: ModelRuns) -> tuple[list[Bar], list[str]]:
    """Every bar of one model's figure, and the metric labels in drawing order."""
    metrics = [(key, label, path, paired) for key, label, path, paired in BAR_METRICS]
    quality = quality_metric(group)
    if quality is not None:
        metrics.append((quality[0], quality[1], quality[2], None))
    bars = [bar(group, s, key, path, paired) for key, _, path, paired in metrics for s in group.settings]
    return bars, [label for _, label, _, _ in metrics]


__all__ = ["BAR_METRICS", "Bar", "bar", "model_bars", "quality_metric"]
