"""Inference time the paper's way: repeat until the 95% confidence half-width (Student t) is within a target % of the mean.

The stopping rule keeps running sums (Welford) and a precomputed table of t quantiles, so checking it costs a few
float operations per iteration instead of a pass over all samples; final statistics are computed once with numpy.

Python 3.6-compatible (the runner on a TX2 uses it). The t quantiles come from scipy where it is installed, else from
a table and an expansion (`_t_crit_table`), since a board's TensorFlow environment often has no scipy.
"""

import gc
import math
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union  # noqa: F401 (type comments)

import numpy as np

ProgressCallback = Callable[[int, float, float, float], None]

# How often the timed loop stops to report: a chunk boundary costs a callback (an event written to a pipe), so
# four a second keeps the live view moving while the loop does nothing per iteration a bare loop would not.
PROGRESS_EVERY_S = 0.25

# Two-sided 95% Student t quantiles for 1..30 degrees of freedom (scipy.special.stdtrit(df, 0.975), 9 decimals).
_T975_SMALL = (
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135,
    2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688, 2.131449546, 2.119905299,
    2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
)  # fmt: skip
_Z975 = 1.959963984540054


def _t_crit(df):
    # type: (Union[int, np.ndarray]) -> Any
    """Two-sided 95% Student t critical value(s) for `df` degrees of freedom (scipy imported lazily: ~0.2 s)."""
    try:
        from scipy.special import stdtrit
    except ImportError:
        return _t_crit_table(df)
    return stdtrit(df, 0.975)


def _t_crit_table(df):
    # type: (Union[int, np.ndarray]) -> Any
    """Two-sided 95% Student t critical value(s) for `df` degrees of freedom without scipy; nan for df < 1.

    A table up to 30, then the Cornish-Fisher expansion to the 4th order (within 3e-8 of scipy beyond 30).
    """
    v = np.asarray(df, dtype=np.float64)
    z = _Z975
    g = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        expansion = z + g[0] / v + g[1] / v**2 + g[2] / v**3 + g[3] / v**4
    table = np.array((np.nan,) + _T975_SMALL)
    index = np.clip(v, 0, len(_T975_SMALL)).astype(np.int64)
    out = np.where(v > len(_T975_SMALL), expansion, np.where(v >= 1, table[index], np.nan))
    return out if out.ndim else float(out)


def _ci_pct(t_crit, var, n, mean):
    # type: (float, float, int, float) -> float
    if mean <= 0 or not math.isfinite(var):
        return math.inf
    return float(t_crit * math.sqrt(max(var, 0.0) / n) / mean * 100.0)


def ci95_halfwidth_pct(samples_s):
    # type: (Union[Sequence[float], np.ndarray]) -> float
    """95% CI half-width of the mean as % of the mean; inf when it is undefined (fewer than 2 samples, mean <= 0)."""
    x = np.asarray(samples_s, dtype=np.float64)
    if x.size < 2:
        return math.inf
    return _ci_pct(float(_t_crit(x.size - 1)), float(np.var(x, ddof=1)), int(x.size), float(np.mean(x)))


class LatencyStats:
    """Summary of one timed loop; `ci95_halfwidth_pct` is None when undefined, `reason` says why the loop stopped."""

    FIELDS = (
        "n",
        "mean_s",
        "median_s",
        "p90_s",
        "p99_s",
        "std_s",
        "ci95_halfwidth_pct",
        "converged",
        "reason",
    )
    __slots__ = FIELDS

    def __init__(self, n, mean_s, median_s, p90_s, p99_s, std_s, ci95_halfwidth_pct, converged, reason):
        # type: (int, float, float, float, float, float, Optional[float], bool, str) -> None
        self.n = n
        self.mean_s = mean_s
        self.median_s = median_s
        self.p90_s = p90_s
        self.p99_s = p99_s
        self.std_s = std_s
        self.ci95_halfwidth_pct = ci95_halfwidth_pct
        self.converged = converged
        self.reason = reason

    def __eq__(self, other):
        # type: (object) -> bool
        return isinstance(other, LatencyStats) and self.to_dict() == other.to_dict()

    def __repr__(self):
        # type: () -> str
        return "LatencyStats({})".format(", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()))

    @classmethod
    def from_samples(cls, samples_s, *, converged, reason):
        # type: (Sequence[float], bool, str) -> LatencyStats
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

    def to_dict(self):
        # type: () -> Dict[str, Any]
        return {name: getattr(self, name) for name in self.FIELDS}


def _check_args(target_pct, min_iters, max_iters, max_seconds, every_s):
    # type: (float, int, int, float, float) -> None
    if not target_pct > 0:
        raise ValueError(f"confidence target {target_pct}% must be positive; the paper uses 5")
    if min_iters < 2:
        raise ValueError(f"min iterations {min_iters} must be at least 2 to compute a confidence interval")
    if max_iters < min_iters:
        raise ValueError(f"max iterations {max_iters} is below min iterations {min_iters}; raise it")
    if not max_seconds > 0 or not every_s > 0:
        raise ValueError("max seconds and the progress interval must be positive")


def _stop_reason(n, elapsed_s, ci, target_pct, min_iters, max_iters, max_seconds, min_seconds=0.0):
    # type: (int, float, float, float, int, int, float, float) -> Optional[Tuple[bool, str]]
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
    run_once,
    *,
    target_pct=5.0,
    min_iters=30,
    max_iters=2000,
    max_seconds=20.0,
    min_seconds=0.0,
    on_progress=None,
    progress_every_s=PROGRESS_EVERY_S,
    clock=time.perf_counter,
    window_clock=time.monotonic,
    pause_gc=True,
):
    # type: (Callable[[], object], float, int, int, float, float, Optional[ProgressCallback], float, Callable[[], float], Callable[[], float], bool) -> Tuple[LatencyStats, List[float], List[Tuple[float, float, int]]]  # noqa: E501
    """Time `run_once()` until the 95% CI half-width is <= `target_pct`% of the mean (after `min_iters`) or a cap.

    Returns the stats, every sample in seconds, and the inference windows as `(t0, t1, n_inferences)` in
    `window_clock` (time.monotonic) terms, one per progress chunk: energy is integrated over them, and the time
    spent in `on_progress` falls between windows, not inside. `on_progress(iter, elapsed_s, mean_s, ci_pct)` is
    called at the end of each chunk (every `progress_every_s`, and at the stop); ci_pct is inf until defined. The
    seconds cap stops the loop even below `min_iters` (once 2 samples exist), so one very slow model cannot run for minutes. `min_seconds` is a
    floor on the timed span: a sub-millisecond model would otherwise "converge" in 20 ms, a span one scheduler
    hiccup can skew, and too short for a power sensor to see. With `pause_gc` the garbage collector is run once
    before and held off during the loop (a collection inside one timed run would be charged to the model) and
    restored afterwards, also when `run_once` raises.
    """
    _check_args(target_pct, min_iters, max_iters, max_seconds, progress_every_s)
    # t_table[df] as a Python list: indexing it is a few times cheaper than a numpy array. df 0 is nan, never used.
    t_table = _t_crit(np.arange(max_iters, dtype=np.float64)).tolist()  # type: List[float]
    gc_was_enabled = gc.isenabled()
    if pause_gc:
        gc.collect()
        gc.disable()
    try:
        return _timed_loop(
            run_once, t_table, target_pct, min_iters, max_iters, max_seconds, min_seconds, on_progress,
            progress_every_s, clock, window_clock,
        )  # fmt: skip
    finally:
        if pause_gc and gc_was_enabled:
            gc.enable()


def _timed_loop(
    run_once, t_table, target_pct, min_iters, max_iters, max_seconds, min_seconds, on_progress, progress_every_s,
    clock, window_clock,
):  # fmt: skip
    # type: (Callable[[], object], List[float], float, int, int, float, float, Optional[ProgressCallback], float, Callable[[], float], Callable[[], float]) -> Tuple[LatencyStats, List[float], List[Tuple[float, float, int]]]  # noqa: E501
    """measure_latency's loop: per iteration two clock reads, one append and O(1) running sums, nothing else."""
    samples = []  # type: List[float]
    windows = []  # type: List[Tuple[float, float, int]]
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
            ci = _ci_pct(t_table[n - 1], m2 / (n - 1), n, mean)
        elapsed_s = t1 - start
        # The full rule (_stop_reason, which builds the reason text) runs only when one of its conditions can hold.
        if (
            (ci <= target_pct and n >= min_iters and elapsed_s >= min_seconds)
            or n >= max_iters
            or elapsed_s >= max_seconds
        ):
            stop = _stop_reason(n, elapsed_s, ci, target_pct, min_iters, max_iters, max_seconds, min_seconds)
        else:
            stop = None
        if stop is None and t1 - chunk_start < progress_every_s:
            continue
        windows.append((window_t0, window_clock(), n - chunk_first))
        if on_progress is not None:
            on_progress(n, elapsed_s, mean, ci)
        if stop is not None:
            converged, reason = stop
            return LatencyStats.from_samples(samples, converged=converged, reason=reason), samples, windows
        chunk_start = clock()
        chunk_first = n
        window_t0 = window_clock()
