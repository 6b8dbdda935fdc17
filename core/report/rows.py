"""The metrics a comparison shows, and one row per metric: both runs' values, the change and its direction.

Rows are the part of core.report.comparison that core.report.verdict reads; they live apart so the verdict does not import
the comparison that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from core.measure.paired import THRESHOLD_PCT, direction

# Which way is better for a metric; neutral: a change, neither good nor bad.
Direction = Literal["lower", "higher", "neutral"]


@dataclass(frozen=True)
class Metric:
    """One metric of a RunResult: where it lives (`path`), its unit, and which way is better."""

    key: str
    label: str
    unit: str  # "B", "s", "J", "W", "%", or "" (a count, or a 0..1 fraction)
    path: tuple[str, ...]
    direction: Direction
    optional: bool = False  # a task's own score (BLEU): shown only where a run has it, not as a gap elsewhere


METRICS: tuple[Metric, ...] = (
    Metric("size_bytes", "Model size", "B", ("model", "size_bytes"), "lower"),
    Metric("nonzero_params", "Non-zero params", "", ("model", "nonzero_params"), "lower"),
    Metric("latency_mean_s", "Inference time (mean)", "s", ("latency", "mean_s"), "lower"),
    Metric("latency_p99_s", "Inference time (p99)", "s", ("latency", "p99_s"), "lower"),
    Metric("energy_j", "Energy / inference", "J", ("energy", "j_per_inference"), "lower"),
    Metric("power_mean_w", "Power (mean)", "W", ("power", "mean_w"), "lower"),
    Metric("power_peak_w", "Power (peak)", "W", ("power", "peak_w"), "lower"),
    Metric("gpu_load_pct", "GPU load (mean)", "%", ("gpu", "mean_load_pct"), "neutral"),
    Metric("peak_rss_bytes", "Peak RSS", "B", ("memory", "peak_rss_bytes"), "lower"),
    Metric("delta_rss_bytes", "Memory footprint", "B", ("memory", "delta_rss_bytes"), "lower"),
    Metric("top1", "Top-1 accuracy", "", ("accuracy", "top1"), "higher"),
    Metric("top5", "Top-5 accuracy", "", ("accuracy", "top5"), "higher"),
    Metric("precision", "Precision (macro)", "", ("accuracy", "precision"), "higher"),
    Metric("recall", "Recall (macro)", "", ("accuracy", "recall"), "higher"),
    Metric("f1", "F1 (macro)", "", ("accuracy", "f1"), "higher"),
    Metric("bleu", "BLEU", "BLEU", ("accuracy", "bleu"), "higher", optional=True),  # sacrebleu, 0..100
    # Fidelity to the baseline's outputs, without labels (core.measure.fidelity); the baseline agrees with itself.
    Metric(
        "agreement", "Top-1 agreement", "", ("accuracy", "fidelity", "agreement"), "higher", optional=True
    ),
    Metric(
        "kl_mean", "KL divergence (mean)", "nats", ("accuracy", "fidelity", "kl_mean"), "lower", optional=True
    ),
)

# A change smaller than this (in percent) is no change: printed values round it to 0.0% anyway.
SAME_PCT = 0.05
# Rows whose answer is the compressed run's paired ratio (core.run.paired), and the block of `paired` it is in.
PAIRED_BLOCKS = {"latency_mean_s": "latency", "energy_j": "energy", "power_mean_w": "power"}


def metric_value(run: dict[str, Any] | None, path: tuple[str, ...]) -> float | None:
    """The number at `path` in a run, or None when it is missing or not a number."""
    node: Any = run
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def shown(metric: Metric, *runs: dict[str, Any] | None) -> bool:
    """Whether a table shows `metric`: always, or for an optional one, where any of `runs` has a value."""
    return not metric.optional or any(metric_value(run, metric.path) is not None for run in runs)


def missing_reason(run: dict[str, Any] | None, metric: Metric) -> str | None:
    """Why `run` has no value for `metric`: the block's own reason where it gives one; None when it has one."""
    if metric_value(run, metric.path) is not None:
        return None
    block = run.get(metric.path[0]) if isinstance(run, dict) else None
    inner = block.get(metric.path[1]) if isinstance(block, dict) and len(metric.path) > 2 else None
    if isinstance(inner, dict) and inner.get("reason"):  # a nested block (fidelity) gives its own reason
        return str(inner["reason"])
    if isinstance(block, dict) and block.get("reason"):
        return str(block["reason"])
    variant = run.get("variant") if isinstance(run, dict) else None
    return f"{variant} did not get that far"


@dataclass(frozen=True)
class Row:
    """One metric of both runs: the values, the change in percent, and whether that change is good."""

    metric: Metric
    base: float | None
    comp: float | None
    delta_pct: float | None  # None when a value is missing or the base is zero and the other is not
    # Latency and energy: the change lies inside both runs' 95% CIs (noise, not a finding).
    inside_ci: bool | None
    reason: str | None  # why a value is missing, from the run that lacks it
    # The paired answer (compressed/baseline ratio, its 95% interval, pairs, method) where the run has one.
    paired: dict[str, Any] | None = None

    @property
    def threshold_pct(self) -> float:
        """The practical threshold of the paired answer: inside 1 +/- this is no real change."""
        value = (self.paired or {}).get("threshold_pct")
        return float(value) if isinstance(value, (int, float)) else THRESHOLD_PCT

    @property
    def ratio_ci95(self) -> tuple[float, float] | None:
        ci = (self.paired or {}).get("ratio_ci95")
        return (float(ci[0]), float(ci[1])) if isinstance(ci, (list, tuple)) and len(ci) == 2 else None

    @property
    def paired_direction(self) -> int | None:
        """+1 (up), -1 (down) or 0 (no real change) by the paired interval; None without a paired ratio."""
        if self.paired is None or self.paired.get("ratio") is None:
            return None
        ci = self.ratio_ci95
        return direction(None, None) if ci is None else direction(ci[0], ci[1], self.threshold_pct)

    @property
    def key(self) -> str:
        return self.metric.key

    @property
    def label(self) -> str:
        return self.metric.label

    @property
    def unit(self) -> str:
        return self.metric.unit

    @property
    def direction(self) -> Direction:
        return self.metric.direction

    @property
    def better(self) -> bool | None:
        """True when the change is good for this metric, False when bad, None when neither or not known."""
        paired = self.paired_direction
        if paired is not None:  # the paired interval decides: beyond the threshold, or no real change
            return (
                None
                if paired == 0 or self.direction == "neutral"
                else (paired < 0) == (self.direction == "lower")
            )
        d = self.delta_pct
        if d is None or self.direction == "neutral" or abs(d) < SAME_PCT or self.inside_ci:
            return None
        return (d < 0) == (self.direction == "lower")

    @property
    def measured(self) -> bool:
        """Whether either run has a value (rows neither run measured are left out of tables)."""
        return self.base is not None or self.comp is not None

    def to_dict(self) -> dict[str, Any]:
        lower = {"lower": True, "higher": False}.get(self.direction)
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "base": self.base,
            "comp": self.comp,
            "delta_pct": self.delta_pct,
            "better": self.better,
            "lower_is_better": lower,
            "direction": self.direction,
            "inside_ci": self.inside_ci,
            **self._paired_fields(),
        }

    def _paired_fields(self) -> dict[str, Any]:
        p = self.paired
        if p is None or p.get("ratio") is None:
            return {}
        return {"ratio": p["ratio"], "ratio_ci95": p.get("ratio_ci95"), "pairs": p.get("pairs"),
                "method": p.get("method")}  # fmt: skip


def paired_of(metric: Metric, base: dict[str, Any], comp: dict[str, Any]) -> dict[str, Any] | None:
    """`comp`'s paired answer for `metric` when it was paired against `base` and has a ratio; else None."""
    block = comp.get("paired") if metric.key in PAIRED_BLOCKS else None
    if not isinstance(block, dict) or block.get("against", "baseline") != base.get("variant"):
        return None
    part = block.get(PAIRED_BLOCKS[metric.key])
    if not isinstance(part, dict) or part.get("ratio") is None:
        return None
    threshold = (block.get("latency") or {}).get("threshold_pct")
    return {**part, "threshold_pct": part.get("threshold_pct", threshold)}


def make_row(
    metric: Metric, base: dict[str, Any], comp: dict[str, Any], inside_ci: bool | None, paired: bool = True
) -> Row:
    """One metric of both runs; `inside_ci` as core.report.comparison.inside_ci judges it. With a paired answer
    (`paired`, and `comp` paired against `base`) the change is the paired ratio's and "inside" its no-change band."""
    b, c = metric_value(base, metric.path), metric_value(comp, metric.path)
    delta = None
    if b is not None and c is not None:
        delta = (c - b) / abs(b) * 100.0 if b != 0 else 0.0 if c == 0 else None
    reason = missing_reason(base, metric) or missing_reason(comp, metric)
    pair = paired_of(metric, base, comp) if paired else None
    if pair is None:
        return Row(metric, b, c, delta, inside_ci, reason)
    row = Row(metric, b, c, (float(pair["ratio"]) - 1.0) * 100.0, None, reason, pair)
    return Row(metric, b, c, row.delta_pct, row.paired_direction == 0, reason, pair)
