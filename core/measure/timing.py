"""Inference time the paper's way: repeat until the 95% confidence half-width (Student t) is within a target % of the mean.

The stopping rule keeps running sums (Welford) and a precomputed table of t quantiles, so checking it costs a few
float operations per iteration instead of a pass over all samples; final statistics are computed once with numpy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

ProgressCallback = Callable[[int, float, float, float], None]


def _t_crit(df: int | np.ndarray) -> Any:
    """Two-sided 95% Student t critical value(s) for `df` degrees of freedom (scipy imported lazily: ~0.2 s)."""
    from scipy.special import stdtrit

    return stdtrit(df, 0.975)


def _ci_pct(t_crit: float, var: float, n: int, mean: float) -> float:
    if mean <= 0 or not math.isfinite(var):
        return math.inf
    return float(t_crit * math.sqrt(max(var, 0.0) / n) / mean * 100.0)


def ci95_halfwidth_pct(samples_s: Sequence[float] | np.ndarray) -> float:
    """95% CI half-width of the mean as % of the mean; inf when it is undefined (fewer than 2 samples, mean <= 0)."""
    x = np.asarray(samples_s, dtype=np.float64)
    if x.size < 2:
        return math.inf
    return _ci_pct(float(_t_crit(x.size - 1)), float(np.var(x, ddof=1)), int(x.size), float(np.mean(x)))


@dataclass(frozen=True)
class LatencyStats:
    """Summary of one timed loop; `ci95_halfwidth_pct` is None when undefined, `reason` says why the loop stopped."""

    n: int
    mean_s: float
    median_s: float
    p90_s: float
    p99_s: float
    std_s: float
    ci95_halfwidth_pct: float | None
    converged: bool
    reason: str

    @classmethod
    def from_samples(cls, samples_s: Sequence[float], *, converged: bool, reason: str) -> LatencyStats:
        """Compute the summary of non-empty `samples_s` (percentiles with numpy's default linear interpolation)."""
        x = np.asarray(samples_s, dtype=np.float64)
        if x.size == 0:
            raise ValueError("no latency samples to summarize; run at least one inference")
        ci = ci95_halfwidth_pct(x)
        p50, p90, p99 = np.percentile(x, [50, 90, 99])
        return cls(
            n=int(x.size),
            mean_s=float(x.mean()),
            median_s=float(p50),
            p90_s=float(p90),
            p99_s=float(p99),
            std_s=float(x.std(ddof=1)) if x.size > 1 else 0.0,
            ci95_halfwidth_pct=ci if math.isfinite(ci) else None,
            converged=converged,
            reason=reason,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_args(
    target_pct: float, min_iters: int, max_iters: int, max_seconds: float, every_s: float
) -> None:
    if not target_pct > 0:
        raise ValueError(f"confidence target {target_pct}% must be positive; the paper uses 5")
    if min_iters < 2:
        raise ValueError(f"min iterations {min_iters} must be at least 2 to compute a confidence interval")
    if max_iters < min_iters:
        raise ValueError(f"max iterations {max_iters} is below min iterations {min_iters}; raise it")
    if not max_seconds > 0 or not every_s > 0:
        raise ValueError("max seconds and the progress interval must be positive")


def _stop_reason(
    n: int,
    elapsed_s: float,
    ci: float,
    target_pct: float,
    min_iters: int,
    max_iters: int,
    max_seconds: float,
    min_seconds: float = 0.0,
) -> tuple[bool, str] | None:
    """(converged, reason) when the loop should stop after `n` samples, else None."""
    if n >= min_iters and elapsed_s >= min_seconds and ci <= target_pct:
        return True, f"95% CI half-width {ci:.1f}% <= {target_pct:g}% after {n} iterations"
    if n >= max_iters:
        if n >= min_iters and ci <= target_pct:  # only the time floor was unmet: the CI rule itself holds
            return True, (
                f"95% CI half-width {ci:.1f}% <= {target_pct:g}% after {n} iterations "
                f"(iteration cap reached before the {min_seconds:g} s floor)"
            )
        return False, f"hit the {max_iters}-iteration cap with CI {ci:.1f}% > {target_pct:g}%"
    if elapsed_s >= max_seconds and n >= 2:
        if n < min_iters:
            return False, (
                f"hit the {max_seconds:g} s cap after {n} of the {min_iters} minimum iterations (CI {ci:.1f}%)"
            )
        return False, f"hit the {max_seconds:g} s cap at {ci:.1f}% > {target_pct:g}% after {n} iterations"
    return None


def measure_latency(
    run_once: Callable[[], object],
    *,
    target_pct: float = 5.0,
    min_iters: int = 30,
    max_iters: int = 2000,
    max_seconds: float = 20.0,
    min_seconds: float = 0.0,
    on_progress: ProgressCallback | None = None,
    progress_every_s: float = 0.1,
    clock: Callable[[], float] = time.perf_counter,
    window_clock: Callable[[], float] = time.monotonic,
) -> tuple[LatencyStats, list[float], list[tuple[float, float, int]]]:
    """Time `run_once()` until the 95% CI half-width is <= `target_pct`% of the mean (after `min_iters`) or a cap.

    Returns the stats, every sample in seconds, and the inference windows as `(t0, t1, n_inferences)` in
    `window_clock` (time.monotonic) terms, one per progress chunk: energy is integrated over them, and the time
    spent in `on_progress` falls between windows, not inside. `on_progress(iter, elapsed_s, mean_s, ci_pct)` is
    called at the end of each chunk (every `progress_every_s`, and at the stop); ci_pct is inf until defined. The seconds cap stops the loop even
    below `min_iters` (once 2 samples exist), so one very slow model cannot run for minutes. `min_seconds` is a
    floor on the timed span: a sub-millisecond model would otherwise "converge" in 20 ms, a span one scheduler
    hiccup can skew, and too short for a power sensor to see.
    """
    _check_args(target_pct, min_iters, max_iters, max_seconds, progress_every_s)
    t_table = _t_crit(np.arange(max_iters, dtype=np.float64))  # t_table[df]; df 0 is nan and never used
    samples: list[float] = []
    windows: list[tuple[float, float, int]] = []
    mean = m2 = 0.0
    ci = math.inf
    start = chunk_start = clock()
    chunk_first = 0
    window_t0 = window_clock()
    while True:
        t0 = clock()
        run_once()
        t1 = clock()
        dt = t1 - t0
        samples.append(dt)
        n = len(samples)
        delta = dt - mean
        mean += delta / n
        m2 += delta * (dt - mean)
        if n >= 2:
            ci = _ci_pct(float(t_table[n - 1]), m2 / (n - 1), n, mean)
        stop = _stop_reason(n, t1 - start, ci, target_pct, min_iters, max_iters, max_seconds, min_seconds)
        if stop is None and t1 - chunk_start < progress_every_s:
            continue
        windows.append((window_t0, window_clock(), n - chunk_first))
        if on_progress is not None:
            on_progress(n, t1 - start, mean, ci)
        if stop is not None:
            converged, reason = stop
            return LatencyStats.from_samples(samples, converged=converged, reason=reason), samples, windows
        chunk_start = clock()
        chunk_first = n
        window_t0 = window_clock()
