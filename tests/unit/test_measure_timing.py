"""The latency stopping rule, driven by a fake deterministic clock so every stop is exact and reproducible."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator

import numpy as np
import pytest
from scipy import stats

from core.measure.timing import LatencyStats, ci95_halfwidth_pct, measure_latency


class FakeTimer:
    """A clock that advances only when `run_once` runs, by the next latency from a sequence."""

    def __init__(self, latencies_s: Iterable[float]) -> None:
        self.now = 1000.0
        self._next: Iterator[float] = iter(latencies_s)
        self.calls = 0

    def clock(self) -> float:
        return self.now

    def run_once(self) -> None:
        self.now += next(self._next)
        self.calls += 1


def alternating(a: float, b: float) -> Iterator[float]:
    while True:
        yield a
        yield b


def constant(value: float) -> Iterator[float]:
    while True:
        yield value


def measure(timer: FakeTimer, **kwargs):
    return measure_latency(timer.run_once, clock=timer.clock, window_clock=timer.clock, **kwargs)


def test_ci_formula_matches_scipy_t_interval():
    samples = [0.0101, 0.0098, 0.0105, 0.0110, 0.0097, 0.0102, 0.0099, 0.0120]
    x = np.array(samples)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert ci95_halfwidth_pct(samples) == pytest.approx((high - low) / 2 / x.mean() * 100, rel=1e-12)


def test_ci_is_infinite_when_undefined():
    assert ci95_halfwidth_pct([]) == math.inf
    assert ci95_halfwidth_pct([0.01]) == math.inf
    assert ci95_halfwidth_pct([0.0, 0.0, 0.0]) == math.inf


def test_stats_percentiles_match_numpy():
    rng = np.random.default_rng(7)
    samples = list(rng.lognormal(-4.0, 0.3, size=101))
    s = LatencyStats.from_samples(samples, converged=True, reason="r")
    assert s.n == 101
    assert s.mean_s == pytest.approx(np.mean(samples))
    assert s.median_s == pytest.approx(np.median(samples))
    assert s.p90_s == pytest.approx(np.percentile(samples, 90))
    assert s.p99_s == pytest.approx(np.percentile(samples, 99))
    assert s.std_s == pytest.approx(np.std(samples, ddof=1))
    assert s.ci95_halfwidth_pct == pytest.approx(ci95_halfwidth_pct(samples))
    assert s.to_dict()["p99_s"] == s.p99_s and set(s.to_dict()) >= {"n", "converged", "reason"}


def test_constant_latency_converges_at_the_floor():
    timer = FakeTimer(constant(0.01))
    s, samples, _ = measure(timer, min_iters=30)
    assert (s.n, timer.calls, len(samples)) == (30, 30, 30)
    assert s.converged and s.reason.endswith("after 30 iterations")
    assert s.mean_s == pytest.approx(0.01)
    assert s.ci95_halfwidth_pct == pytest.approx(0.0, abs=1e-9)


def test_min_seconds_keeps_a_fast_model_timing_for_the_floor():
    timer = FakeTimer(constant(0.001))
    s, samples, _ = measure(timer, min_iters=30, max_iters=5000, min_seconds=2.0, max_seconds=10.0)
    assert s.converged
    assert 2000 <= s.n <= 2001  # 2 s of 1 ms inferences, although the CI was met after 30
    assert sum(samples) == pytest.approx(2.0, abs=0.002)


def test_iteration_cap_before_the_time_floor_still_counts_as_converged():
    timer = FakeTimer(constant(0.001))
    s, _, _ = measure(timer, min_iters=30, max_iters=500, min_seconds=2.0, max_seconds=10.0)
    assert s.n == 500 and s.converged
    assert "iteration cap reached before the 2 s floor" in s.reason


def test_noisy_latency_needs_more_iterations_and_meets_the_target():
    rng = np.random.default_rng(123)
    timer = FakeTimer(rng.normal(0.010, 0.003, size=5000).clip(0.001))
    s, samples, _ = measure(timer, target_pct=5.0, min_iters=30, max_seconds=1e9)
    assert s.converged
    assert s.n > 30
    assert s.ci95_halfwidth_pct <= 5.0
    # It stopped at the first n where the rule held: one sample fewer was still above the target.
    assert ci95_halfwidth_pct(samples[:-1]) > 5.0
    assert "<= 5%" in s.reason


def test_never_converging_sequence_stops_at_the_iteration_cap():
    timer = FakeTimer(alternating(0.001, 0.100))
    s, samples, _ = measure(timer, min_iters=30, max_iters=200, max_seconds=1e9)
    assert s.n == 200 and len(samples) == 200
    assert not s.converged
    assert s.ci95_halfwidth_pct > 5.0
    assert "200-iteration cap" in s.reason


def test_seconds_cap():
    timer = FakeTimer(alternating(0.001, 0.100))
    s, _, _ = measure(timer, min_iters=30, max_iters=2000, max_seconds=5.0)
    # 50 pairs take 5.05 s; after 99 samples only 4.95 s have passed.
    assert s.n == 100
    assert not s.converged
    assert s.reason.startswith("hit the 5 s cap")


def test_seconds_cap_below_the_floor_says_so():
    timer = FakeTimer(constant(1.0))
    s, _, _ = measure(timer, min_iters=30, max_seconds=5.0)
    assert s.n == 5 and not s.converged
    assert "5 of the 30 minimum iterations" in s.reason


def test_progress_is_throttled_and_windows_cover_exactly_the_inferences():
    timer = FakeTimer(constant(1 / 1024))  # binary fractions keep the fake clock exact
    calls = []
    s, samples, windows = measure(
        timer,
        min_iters=450,
        max_iters=450,
        on_progress=lambda *a: calls.append(a),
        progress_every_s=100 / 1024,
    )
    # Chunks of 100 inferences at ~1 ms each, plus the final partial chunk.
    assert len(calls) == len(windows) == 5
    assert [c[0] for c in calls] == [100, 200, 300, 400, 450]
    assert calls[-1][2] == pytest.approx(1 / 1024)
    assert [w[2] for w in windows] == [100, 100, 100, 100, 50]
    assert all(t0 < t1 for t0, t1, _ in windows)
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:], strict=False))
    # The fake clock only moves inside run_once, so the windows add up to the sum of samples.
    assert sum(t1 - t0 for t0, t1, _ in windows) == pytest.approx(sum(samples))


def test_progress_reports_an_infinite_ci_before_one_exists():
    timer = FakeTimer(constant(0.5))
    calls = []
    measure(timer, min_iters=2, on_progress=lambda *a: calls.append(a), progress_every_s=0.1)
    assert calls[0][3] == math.inf
    assert calls[-1][3] == pytest.approx(0.0, abs=1e-9)


def test_real_clock_windows_are_in_monotonic_time():
    before = time.monotonic()
    s, samples, windows = measure_latency(lambda: time.sleep(0.001), min_iters=5, max_iters=10, max_seconds=5)
    after = time.monotonic()
    assert 5 <= s.n <= 10
    assert all(before <= t0 <= t1 <= after for t0, t1, _ in windows)
    assert sum(t1 - t0 for t0, t1, _ in windows) >= sum(samples)
    assert sum(n for _, _, n in windows) == s.n


@pytest.mark.parametrize(
    "kwargs",
    [{"target_pct": 0}, {"min_iters": 1}, {"min_iters": 30, "max_iters": 10}, {"max_seconds": 0}],
)
def test_bad_arguments_raise_one_clear_error(kwargs):
    with pytest.raises(ValueError):
        measure_latency(lambda: None, **kwargs)


def test_scipy_free_t_quantiles_match_scipy():
    """The runner on a board may have no scipy: its table + Cornish-Fisher fallback must give the same CI."""
    from scipy.special import stdtrit

    from core.measure.timing import _t_crit_table

    df = np.arange(0, 5000, dtype=np.float64)
    got, expected = _t_crit_table(df), stdtrit(df, 0.975)
    assert np.isnan(got[0]) and np.isnan(_t_crit_table(0))
    np.testing.assert_allclose(got[1:], expected[1:], rtol=0, atol=1e-7)
    assert _t_crit_table(5) == pytest.approx(2.570581836, abs=1e-9)


def test_progress_defaults_to_four_reports_a_second_whatever_the_iteration_rate():
    """The loop reports per elapsed time, not per iteration: 4,096 inferences in 1 s give 4 reports, not 4,096."""
    timer = FakeTimer(constant(1 / 4096))
    calls = []
    s, _, windows = measure(timer, min_iters=4096, max_iters=4096, on_progress=lambda *a: calls.append(a))
    assert s.n == 4096
    assert [c[0] for c in calls] == [1024, 2048, 3072, 4096]
    assert len(windows) == 4


def test_gc_is_paused_inside_the_loop_and_restored_after():
    import gc

    seen = []

    def run_once():
        seen.append(gc.isenabled())
        timer.run_once()

    timer = FakeTimer(constant(0.01))
    assert gc.isenabled()
    measure_latency(run_once, min_iters=5, max_iters=5, clock=timer.clock, window_clock=timer.clock)
    assert seen == [False] * 5
    assert gc.isenabled()


def test_gc_is_restored_when_the_model_raises():
    import gc

    def run_once():
        raise RuntimeError("inference failed")

    with pytest.raises(RuntimeError, match="inference failed"):
        measure_latency(run_once, min_iters=5)
    assert gc.isenabled()


def test_gc_left_alone_when_asked_and_when_already_off():
    import gc

    timer = FakeTimer(constant(0.01))
    seen = []

    def run_once():
        seen.append(gc.isenabled())
        timer.run_once()

    measure_latency(
        run_once, min_iters=3, max_iters=3, clock=timer.clock, window_clock=timer.clock, pause_gc=False
    )
    assert seen == [True] * 3
    gc.disable()
    try:
        measure_latency(timer.run_once, min_iters=3, max_iters=3, clock=timer.clock, window_clock=timer.clock)
        assert not gc.isenabled()  # the caller had it off: it stays off
    finally:
        gc.enable()
