"""Fit an onboard power trace to an external meter's: align the clocks on the load steps, then gain and offset.

The two traces come from different clocks (the meter's own, or its PC's) and different rates. Alignment resamples
both onto one grid, removes their means and scales, and takes the lag that maximizes their cross-correlation: the
calibration workload's idle-then-steps pattern has one clear peak. The fit then compares the two on bins of a few
sensor refreshes, leaving out bins at a step edge (where the onboard sensor's averaging blurs the change), and
solves onboard = gain x meter + offset by least squares, with the gain's standard error and the RMS residual.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

from core.telemetry.calibration import Calibration, CalibrationError
from core.telemetry.power_trace import PowerTrace

MIN_FIT_BINS = 8


def _grid(trace: PowerTrace, t: np.ndarray) -> np.ndarray:
    return np.interp(t, trace.t_s, trace.power_w)


def align_lag_s(onboard: PowerTrace, meter: PowerTrace, max_lag_s: float | None = None) -> float:
    """Seconds to add to onboard times to land on the meter's clock (meter_t = onboard_t + lag)."""
    span_s = max(onboard.t_s[-1] - onboard.t_s[0], meter.t_s[-1] - meter.t_s[0])
    step_s = max(0.02, span_s / 4000.0)  # at most ~4000 points a trace: the direct correlation stays cheap
    t_on = np.arange(onboard.t_s[0], onboard.t_s[-1], step_s)
    t_me = np.arange(meter.t_s[0], meter.t_s[-1], step_s)
    if len(t_on) < 4 or len(t_me) < 4:
        raise CalibrationError("power traces too short to align (each needs several seconds of load steps)")
    a = _grid(onboard, t_on)
    b = _grid(meter, t_me)
    a = (a - a.mean()) / (a.std() or 1.0)
    b = (b - b.mean()) / (b.std() or 1.0)
    corr = np.correlate(b, a, "full")  # corr[k] = sum_n b[n + s] a[n], s = k - (len(a) - 1)
    shifts = np.arange(-(len(a) - 1), len(b))
    overlap = np.minimum(len(a), len(b) - shifts) - np.maximum(0, -shifts)
    # Mean product over the overlap, and only where the two overlap for at least half the shorter trace.
    score = np.where(overlap >= min(len(a), len(b)) // 2, corr / np.maximum(overlap, 1), -np.inf)
    lags = t_me[0] - t_on[0] + shifts * step_s
    if max_lag_s is not None:
        score = np.where(np.abs(lags) <= max_lag_s, score, -np.inf)
    best = int(np.argmax(score))
    if 0 < best < len(score) - 1 and np.isfinite(score[best - 1 : best + 2]).all():
        y0, y1, y2 = score[best - 1 : best + 2]  # parabola through the peak: a lag finer than the grid
        denom = y0 - 2 * y1 + y2
        frac = 0.5 * (y0 - y2) / denom if denom else 0.0
        return float(lags[best] + frac * step_s)
    return float(lags[best])


def fit_bin_s(onboard: PowerTrace, meter: PowerTrace, refresh_ms: float | None) -> float:
    """Bins of four sensor refreshes, two meter samples and two onboard samples at least (and 50 ms)."""
    meter_dt = float(np.median(np.diff(meter.t_s))) if len(meter.t_s) > 1 else 0.0
    onboard_dt = float(np.median(np.diff(onboard.t_s))) if len(onboard.t_s) > 1 else 0.0
    return max(0.05, 4.0 * (refresh_ms or 0.0) / 1000.0, 2.0 * meter_dt, 2.0 * onboard_dt)


def fit_gain_offset(
    onboard: PowerTrace, meter: PowerTrace, lag_s: float, bin_s: float
) -> tuple[float, float, float, float, int]:
    """(gain, offset_w, gain_se, residual_w, bins used) of onboard = gain x meter + offset on steady bins."""
    lo = max(onboard.t_s[0], meter.t_s[0] - lag_s)
    hi = min(onboard.t_s[-1], meter.t_s[-1] - lag_s)
    edges = np.arange(lo, hi, bin_s)
    if len(edges) < MIN_FIT_BINS + 1:
        raise CalibrationError(
            f"the traces overlap for {max(hi - lo, 0):.1f} s after alignment; record the meter for the whole workload"
        )
    on_idx = np.digitize(onboard.t_s, edges) - 1
    me_idx = np.digitize(meter.t_s - lag_s, edges) - 1
    k = len(edges) - 1
    on_mean = np.array(
        [onboard.power_w[on_idx == i].mean() if np.any(on_idx == i) else np.nan for i in range(k)]
    )
    me_mean = np.array(
        [meter.power_w[me_idx == i].mean() if np.any(me_idx == i) else np.nan for i in range(k)]
    )
    me_fine = _grid(meter, np.arange(lo, hi, bin_s / 8.0) + lag_s)
    spread = float(np.std(me_mean[np.isfinite(me_mean)])) or 1.0
    # A bin is steady when the meter moves less than a tenth of the step pattern's spread across it and its neighbours.
    jumps = np.abs(np.diff(me_fine)).reshape(-1)
    moving = np.zeros(k, dtype=bool)
    for i in range(k):
        seg = jumps[max(0, (i - 1) * 8) : min(len(jumps), (i + 2) * 8)]
        moving[i] = seg.size > 0 and float(seg.max()) > 0.1 * spread
    keep = np.isfinite(on_mean) & np.isfinite(me_mean) & ~moving
    x, y = me_mean[keep], on_mean[keep]
    if len(x) < MIN_FIT_BINS or float(np.ptp(x)) < 0.05 * max(float(np.mean(np.abs(x))), 1e-9):
        raise CalibrationError(
            "the meter trace has too few steady load levels to fit; run the full calibration workload while recording"
        )
    design = np.column_stack((x, np.ones_like(x)))
    (gain, offset), *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - (gain * x + offset)
    dof = max(len(x) - 2, 1)
    sigma2 = float(resid @ resid) / dof
    gain_se = math.sqrt(sigma2 / float(np.sum((x - x.mean()) ** 2)))
    return float(gain), float(offset), gain_se, math.sqrt(float(np.mean(resid**2))), int(len(x))


def calibrate(
    onboard: PowerTrace, meter: PowerTrace, board: str, meter_file: str, max_lag_s: float | None = None
) -> Calibration:
    """The board's calibration from the two traces of one workload (facts on the onboard trace name the source)."""
    refresh_ms = float(onboard.facts.get("update_interval_ms") or 0.0) or None
    lag = align_lag_s(onboard, meter, max_lag_s=max_lag_s)
    gain, offset, gain_se, residual, n = fit_gain_offset(
        onboard, meter, lag, fit_bin_s(onboard, meter, refresh_ms)
    )
    if not gain > 0:
        raise CalibrationError(
            f"the fit gives gain {gain:.3f} <= 0: the meter and onboard traces do not follow each other"
        )
    return Calibration(
        board_id=board,
        source=onboard.facts.get("source", "unknown"),
        rail=onboard.facts.get("rail") or None,
        gain=gain,
        offset_w=offset,
        gain_se=gain_se,
        residual_w=residual,
        n_points=n,
        lag_s=lag,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        meter_file=meter_file,
    )


__all__ = ["align_lag_s", "calibrate", "fit_gain_offset"]
