"""Idle power and energy above idle over the worker's inference windows (the paper deducts static power).

Energy per inference = integral of (P - P_idle) over the windows, trapezoid rule, with P interpolated at window
edges, divided by the number of inferences. NaN samples (a failed or vanished sensor) are dropped and the gap is
bridged linearly only when it is short; a window with a long gap, or not covered by samples, has no energy (None)
rather than a number that silently leaves part of the run out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.telemetry.rate import achieved_rate_hz

# A gap in the samples longer than this (or 5 sample intervals, if larger) means the sensor was not read.
MIN_MAX_GAP_S = 1.0


def finite_samples(t_s: np.ndarray, power_mw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite (t, p) pairs in time order: a failed read (NaN) is dropped, not read as zero."""
    t = np.asarray(t_s, dtype=float)
    p = np.asarray(power_mw, dtype=float)
    if t.shape != p.shape:
        raise ValueError(f"timestamps and power differ in length ({t.shape} vs {p.shape})")
    keep = np.isfinite(t) & np.isfinite(p)
    t, p = t[keep], p[keep]
    if np.any(np.diff(t) < 0):
        order = np.argsort(t, kind="stable")
        t, p = t[order], p[order]
    return t, p


def default_max_gap_s(t_s: np.ndarray) -> float:
    """The longest gap bridged by interpolation: 5 median intervals, at least MIN_MAX_GAP_S."""
    if len(t_s) < 2:
        return MIN_MAX_GAP_S
    return max(MIN_MAX_GAP_S, 5.0 * float(np.median(np.diff(t_s))))


def idle_power_w(
    series_t: np.ndarray, power_mw: np.ndarray, t0: float | None = None, t1: float | None = None
) -> float | None:
    """Median power over [t0, t1] in watts (median: a UI redraw spike must not raise the baseline); None if no samples."""
    t, p = finite_samples(series_t, power_mw)
    keep = np.ones(len(t), dtype=bool)
    if t0 is not None:
        keep &= t >= t0
    if t1 is not None:
        keep &= t <= t1
    return float(np.median(p[keep])) / 1000.0 if keep.any() else None


def _window_energy_j(t: np.ndarray, p_w: np.ndarray, t0: float, t1: float, max_gap_s: float) -> float | None:
    """Integral of p over [t0, t1] by the trapezoid rule; None where samples do not cover the window."""
    if len(t) == 0 or t1 < t0:
        return None
    if t[0] - t0 > max_gap_s or t1 - t[-1] > max_gap_s:
        return None
    lo = max(0, int(np.searchsorted(t, t0, side="right")) - 1)  # last sample at or before t0
    hi = min(len(t), int(np.searchsorted(t, t1, side="left")) + 1)  # first sample at or after t1
    if len(t[lo:hi]) > 1 and float(np.max(np.diff(t[lo:hi]))) > max_gap_s:
        return None
    inside = (t > t0) & (t < t1)
    # np.interp holds the end value beyond the first/last sample, which the gap check above has bounded.
    tt = np.concatenate(([t0], t[inside], [t1]))
    pp = np.concatenate(([np.interp(t0, t, p_w)], p_w[inside], [np.interp(t1, t, p_w)]))
    return float(np.sum(0.5 * (pp[1:] + pp[:-1]) * np.diff(tt)))


def energy_above_idle_j(
    t_s: np.ndarray,
    power_mw: np.ndarray,
    windows: Sequence[tuple[float, float]],
    idle_w: float | None,
    max_gap_s: float | None = None,
) -> float | None:
    """Sum over windows of the integral of (P - idle) in joules; None without idle power, windows, or coverage."""
    if idle_w is None or not windows:
        return None
    t, p = finite_samples(t_s, power_mw)
    gap_s = default_max_gap_s(t) if max_gap_s is None else max_gap_s
    p_w = p / 1000.0 - idle_w
    total_j = 0.0
    for t0, t1 in windows:
        energy_j = _window_energy_j(t, p_w, t0, t1, gap_s)
        if energy_j is None:
            return None
        total_j += energy_j
    return total_j


def _in_windows(t: np.ndarray, windows: Sequence[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(len(t), dtype=bool)
    for t0, t1 in windows:
        mask |= (t >= t0) & (t <= t1)
    return mask


def power_summary(
    t_s: np.ndarray | None,
    power_mw: np.ndarray | None,
    windows: Sequence[tuple[float, float]],
    n_inferences: int,
    idle_w: float | None,
    *,
    source: str | None,
    rail: str | None,
    reason: str | None = None,
    max_gap_s: float | None = None,
) -> dict[str, object]:
    """The result file's power/energy block: mean and peak over the windows, idle, energy per inference above idle.

    Pass t_s/power_mw as None (and a `reason`, e.g. from no_power_reason) where no power source exists; every
    figure is then None. `reason` is also filled when some figure could not be computed.
    """
    empty: dict[str, object] = {
        "mean_w": None,
        "peak_w": None,
        "idle_w": idle_w,
        "energy_j_per_inference": None,
        "n_samples": 0,
        "achieved_rate_hz": None,
        "source": source,
        "rail": rail,
        "reason": reason,
    }
    if t_s is None or power_mw is None:
        return {**empty, "idle_w": None, "reason": reason or "no power source"}
    t, p = finite_samples(t_s, power_mw)
    inside = _in_windows(t, windows)
    duration_s = sum(max(0.0, t1 - t0) for t0, t1 in windows)
    energy_j = energy_above_idle_j(t, p, windows, 0.0, max_gap_s) if windows else None
    above_j = energy_above_idle_j(t, p, windows, idle_w, max_gap_s)
    summary = {
        **empty,
        "mean_w": float(energy_j / duration_s) if energy_j is not None and duration_s > 0 else None,
        "peak_w": float(np.max(p[inside])) / 1000.0 if inside.any() else None,
        "energy_j_per_inference": above_j / n_inferences
        if above_j is not None and n_inferences > 0
        else None,
        "n_samples": int(inside.sum()),
        "achieved_rate_hz": achieved_rate_hz(t_s),
    }
    if summary["energy_j_per_inference"] is None and reason is None:
        summary["reason"] = _missing_energy_reason(windows, n_inferences, idle_w, energy_j)
    return summary


def _missing_energy_reason(
    windows: Sequence[tuple[float, float]], n_inferences: int, idle_w: float | None, energy_j: float | None
) -> str:
    if not windows or n_inferences <= 0:
        return "no inference windows were reported"
    if idle_w is None:
        return "idle power was not measured"
    if energy_j is None:
        return "power samples do not cover the inference windows (sensor gap or buffer overrun)"
    return "energy could not be computed"
