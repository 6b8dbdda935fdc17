"""The metrics a comparison shows, and one row per metric: both runs' values, the change and its direction.

Rows are the part of core.report.comparison that core.report.verdict reads; they live apart so the verdict does not import
the comparison that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
        }


def make_row(metric: Metric, base: dict[str, Any], comp: dict[str, Any], inside_ci: bool | None) -> Row:
    """One metric of both runs; `inside_ci` as core.report.comparison.inside_ci judges it."""
    b, c = metric_value(base, metric.path), metric_value(comp, metric.path)
    delta = None
    if b is not None and c is not None:
        delta = (c - b) / abs(b) * 100.0 if b != 0 else 0.0 if c == 0 else None
    return Row(metric, b, c, delta, inside_ci, missing_reason(base, metric) or missing_reason(comp, metric))
