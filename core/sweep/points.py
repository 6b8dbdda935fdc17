"""Sweep points: the figures of one result line that the front, the recommendation and the screen need.

Accuracy is top-1 where the evaluation set has labels; otherwise fidelity (`accuracy.fidelity.agreement`, or a
top-level `fidelity.agreement`: how often the compressed model agrees with the baseline), so a model without
labels still has a quality axis. Missing figures stay None, never 0.

Time and energy are also read as paired ratios (`run["paired"]`: the point against a baseline timed interleaved
with it, core.measure's ABBA blocks) with their 95% intervals; the baseline is 1 exactly. Lines written before
pairing have no ratios (None), and the front and the recommendation fall back to the per-variant figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.report.comparison import headline_run
from core.report.rows import metric_value

# The figure each paired axis stands for: a baseline has a ratio of 1 only where it has that figure.
AXIS_ATTRS = {"latency": "latency_s", "energy": "energy_j"}


@dataclass(frozen=True)
class Point:
    """One measured setting of one model."""

    key: str
    model: str
    setting: str
    status: str
    size_bytes: float | None
    latency_s: float | None
    energy_j: float | None
    top1: float | None  # 0..1
    fidelity: float | None  # 0..1 agreement with the baseline's outputs
    params: float | None
    index: int  # line number in the sweep file (0-based), to open its full result
    latency_ci_pct: float | None = None  # 95% CI half-width of the mean latency, % of the mean
    board: str | None = None  # the board kind of a fleet sweep (core.sweep.cluster); None on one machine
    latency_ratio: float | None = None  # paired: mean latency / the baseline's, from interleaved blocks
    latency_ratio_ci95: tuple[float, float] | None = None
    energy_ratio: float | None = None  # paired: energy per inference / the baseline's
    energy_ratio_ci95: tuple[float, float] | None = None
    pairs: int | None = None  # latency pairs the ratio rests on

    @property
    def is_baseline(self) -> bool:
        return self.setting == "baseline"

    def ratio(self, axis: str) -> tuple[float, tuple[float, float]] | None:
        """The paired ratio of `axis` ("latency" or "energy") and its 95% interval; the baseline's is 1 exactly."""
        if self.is_baseline:
            return (1.0, (1.0, 1.0)) if getattr(self, AXIS_ATTRS[axis]) is not None else None
        value, ci = getattr(self, f"{axis}_ratio"), getattr(self, f"{axis}_ratio_ci95")
        return None if value is None or ci is None else (value, ci)

    def quality(self, kind: str) -> float | None:
        """Top-1 or fidelity, as `kind` says ("top1" or "fidelity")."""
        if kind == "fidelity":
            return 1.0 if self.is_baseline and self.fidelity is None else self.fidelity
        return self.top1


def point_run(record: dict[str, Any]) -> dict[str, Any] | None:
    """The run a line stands for: the one of its sweep setting (a point's line also carries the baseline run)."""
    setting = (record.get("sweep") or {}).get("setting")
    runs = [r for r in record.get("runs") or [] if r.get("variant") == setting]
    return runs[-1] if runs else headline_run(record)


def point_of(record: dict[str, Any], index: int) -> Point | None:
    """The point of one sweep line, None when the line is not a sweep point."""
    sweep = record.get("sweep")
    run = point_run(record)
    if not isinstance(sweep, dict) or run is None:
        return None
    latency, energy = (_paired(run, axis) for axis in ("latency", "energy"))
    return Point(
        key=str(sweep.get("key")),
        model=str(sweep.get("model") or record.get("model")),
        setting=str(sweep.get("setting") or run.get("variant")),
        status=str(record.get("status")),
        size_bytes=metric_value(run, ("model", "size_bytes")),
        latency_s=metric_value(run, ("latency", "mean_s")),
        energy_j=metric_value(run, ("energy", "j_per_inference")),
        top1=metric_value(run, ("accuracy", "top1")),
        fidelity=_fidelity(run),
        params=metric_value(run, ("model", "params")),
        index=index,
        latency_ci_pct=metric_value(run, ("latency", "ci95_halfwidth_pct")),
        board=sweep.get("board"),
        latency_ratio=latency[0],
        latency_ratio_ci95=latency[1],
        energy_ratio=energy[0],
        energy_ratio_ci95=energy[1],
        pairs=latency[2],
    )


def _paired(run: dict[str, Any], axis: str) -> tuple[float | None, tuple[float, float] | None, int | None]:
    """(ratio, 95% interval, pairs) of one axis of `run["paired"]`; Nones where the line has no such figure."""
    block = (run.get("paired") or {}).get(axis)
    if not isinstance(block, dict):
        return None, None, None
    ratio = metric_value(block, ("ratio",))
    ci = block.get("ratio_ci95")
    interval = None
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(isinstance(x, (int, float)) for x in ci):
        interval = (float(ci[0]), float(ci[1]))
    pairs = block.get("pairs")
    return ratio, interval, pairs if isinstance(pairs, int) and not isinstance(pairs, bool) else None


def _fidelity(run: dict[str, Any]) -> float | None:
    """Agreement with the baseline's top-1: the run stage writes it inside the accuracy block."""
    for path in (("accuracy", "fidelity", "agreement"), ("fidelity", "agreement")):
        value = metric_value(run, path)
        if value is not None:
            return value
    return None


def points_of(records: list[dict[str, Any]]) -> list[Point]:
    return [p for i, r in enumerate(records) if (p := point_of(r, i)) is not None]


def quality_kind(points: list[Point]) -> str | None:
    """ "top1" when the model's baseline (else any point) has top-1, "fidelity" when only that exists, else None."""
    base = [p for p in points if p.is_baseline]
    for pool in (base, points):
        if any(p.top1 is not None for p in pool):
            return "top1"
    if any(p.fidelity is not None for p in points):
        return "fidelity"
    return None


def accuracy_drop_points(point: Point, baseline: Point | None, kind: str | None) -> float | None:
    """Quality lost against the baseline, in percentage points (positive = worse); None when not known."""
    if kind is None:
        return None
    value = point.quality(kind)
    base = baseline.quality(kind) if baseline is not None else (1.0 if kind == "fidelity" else None)
    if value is None or base is None:
        return None
    return (base - value) * 100.0


def group_of(point: Point) -> str:
    """The group a point is judged in: its model, and in a fleet sweep its board ("resnet50 on tx2")."""
    return point.model if point.board is None else f"{point.model} on {point.board}"


def by_model(points: list[Point]) -> dict[str, list[Point]]:
    """Points per group (model, or model on board in a fleet sweep): fronts and recommendations are per group."""
    out: dict[str, list[Point]] = {}
    for p in points:
        out.setdefault(group_of(p), []).append(p)
    return out


def baseline_of(points: list[Point]) -> Point | None:
    return next((p for p in points if p.is_baseline), None)
