"""Energy per inference with its 95% interval, idle power with its own, and MLPerf's cross-check beside them.

The interval comes from per-window energies: each window (an ABBA block of the paired design, or a batch of the
timing loop's progress chunks) gives its energy above idle E_i over n_i inferences; the figure is the ratio
sum(E_i) / sum(n_i) and its interval is the ratio estimator's Student t interval over the windows, widened by
the idle power's own interval times the time each inference took (idle is deducted from every window alike, so
its error does not average out). MLPerf Power's figure, mean latency x mean power above idle, is computed beside
the integrated one; a large difference means the power samples and the timed iterations disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.measure.timing import _t_crit as t_crit95  # two-sided 95% Student t, without scipy on a board
from core.telemetry.energy import energy_above_idle_j, finite_samples
from core.telemetry.updates import count_updates

Window = tuple[float, float, int]  # (t0, t1, inferences) in monotonic seconds, as the worker reports them

MAX_BATCHES = 10  # batch means: ten batches give a usable t interval (t_9 = 2.26) without tiny batches


@dataclass(frozen=True)
class WindowEnergy:
    """One window's energy above idle (None: samples do not cover it), its inferences and sensor updates."""

    t0: float
    t1: float
    n_inferences: int
    energy_j: float | None
    updates: int


def batch_windows(
    windows: Sequence[Window], min_span_s: float, max_batches: int = MAX_BATCHES
) -> list[list[Window]]:
    """Consecutive windows joined into at most `max_batches` batches, each spanning at least `min_span_s`.

    Batches shorter than a few sensor refreshes would share readings, and their energies would look less
    scattered than they are; the caller passes about two refresh periods as `min_span_s`.
    """
    if not windows:
        return []
    total_s = windows[-1][1] - windows[0][0]
    span_s = max(min_span_s, total_s / max_batches)
    batches: list[list[Window]] = [[]]
    for window in windows:
        current = batches[-1]
        if current and current[-1][1] - current[0][0] >= span_s:
            batches.append([])
        batches[-1].append(window)
    if len(batches) > 1 and batches[-1][-1][1] - batches[-1][0][0] < span_s:
        batches[-2].extend(batches.pop())  # a short tail joins the batch before it
    return batches


def window_energies(
    t_s: np.ndarray, power_mw: np.ndarray, groups: Sequence[Sequence[Window]], idle_w: float
) -> list[WindowEnergy]:
    """Per group of windows (one block, or one batch): energy above idle, inferences and distinct sensor updates."""
    t, p = finite_samples(t_s, power_mw)
    out = []
    for group in groups:
        spans = [(w[0], w[1]) for w in group]
        t0, t1 = min(s[0] for s in spans), max(s[1] for s in spans)
        energy = energy_above_idle_j(t, p, spans, idle_w)
        out.append(WindowEnergy(t0, t1, sum(w[2] for w in group), energy, count_updates(t, p, t0, t1)))
    return out


def energy_per_inference(
    energies: Sequence[WindowEnergy], idle_halfwidth_w: float | None = None
) -> dict[str, float | int | str | None]:
    """Energy per inference above idle (J) with its 95% half-width over the windows; None with the reason."""
    usable = [e for e in energies if e.energy_j is not None and e.n_inferences > 0]
    out: dict[str, float | int | str | None] = {
        "j_per_inference": None,
        "ci95_halfwidth_j": None,
        "ci95_halfwidth_pct": None,
        "n_windows": len(usable),
        "interval_reason": None,
    }
    if not usable or len(usable) < len(energies):
        out["interval_reason"] = "power samples do not cover every window"
        return out
    e = np.array([w.energy_j for w in usable], dtype=float)
    n = np.array([w.n_inferences for w in usable], dtype=float)
    ratio = float(e.sum() / n.sum())
    out["j_per_inference"] = ratio
    k = len(usable)
    if k < 2:
        out["interval_reason"] = "one window only: an interval needs two or more"
        return out
    se = math.sqrt(float(np.sum((e - ratio * n) ** 2)) / (k * (k - 1))) / float(n.mean())
    halfwidth = float(t_crit95(k - 1)) * se
    if idle_halfwidth_w is not None:
        seconds_per_inference = sum(w.t1 - w.t0 for w in usable) / float(n.sum())
        halfwidth = math.hypot(halfwidth, idle_halfwidth_w * seconds_per_inference)
    out["ci95_halfwidth_j"] = halfwidth
    out["ci95_halfwidth_pct"] = 100.0 * halfwidth / abs(ratio) if ratio else None
    return out


def idle_estimate(
    t_s: np.ndarray, power_mw: np.ndarray, t0: float, t1: float, min_span_s: float
) -> dict[str, float | int | str | None]:
    """Idle power (median over [t0, t1], W) with a 95% half-width from the medians of up to ten sub-spans.

    Sub-spans last at least `min_span_s` (about two sensor refreshes) so that each sees readings of its own.
    """
    t, p = finite_samples(t_s, power_mw)
    keep = (t >= t0) & (t <= t1)
    t, p = t[keep], p[keep]
    out: dict[str, float | int | str | None] = {
        "w": None,
        "ci95_halfwidth_w": None,
        "updates": 0,
        "reason": None,
    }
    if len(t) == 0:
        out["reason"] = "no power samples while idle"
        return out
    out["w"] = float(np.median(p)) / 1000.0
    out["updates"] = count_updates(t, p, t0, t1)
    k = min(MAX_BATCHES, int((t1 - t0) // max(min_span_s, 1e-9)))
    edges = np.linspace(t0, t1, k + 1) if k >= 2 else np.array([])
    medians = [np.median(p[(t >= a) & (t < b)]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    medians = [m for m in medians if np.isfinite(m)]
    if len(medians) < 2:
        out["reason"] = f"idle span too short for an interval ({t1 - t0:.1f} s; needs 2 x {min_span_s:.2f} s)"
        return out
    m = np.array(medians) / 1000.0
    out["ci95_halfwidth_w"] = float(t_crit95(len(m) - 1)) * float(np.std(m, ddof=1)) / math.sqrt(len(m))
    return out


def mlperf_cross_check(
    mean_latency_s: float | None, mean_power_w: float | None, idle_w: float | None, integrated_j: float | None
) -> dict[str, float | None]:
    """MLPerf Power's energy per inference, mean latency x (mean power - idle), and its difference in % of ours."""
    if mean_latency_s is None or mean_power_w is None or idle_w is None:
        return {"mlperf_j_per_inference": None, "mlperf_difference_pct": None}
    mlperf = mean_latency_s * (mean_power_w - idle_w)
    diff = 100.0 * (mlperf - integrated_j) / abs(integrated_j) if integrated_j else None
    return {"mlperf_j_per_inference": mlperf, "mlperf_difference_pct": diff}


__all__ = ["WindowEnergy", "batch_windows", "energy_per_inference", "idle_estimate", "mlperf_cross_check",
           "window_energies"]  # fmt: skip
