"""Several worker processes of one variant merged into one RunResult: pooled statistics checked against numpy."""

import numpy as np
import pytest
from scipy import stats

from core.run.record import merge_runs


def _run(samples, peak_rss, energy, status="complete"):
    x = np.asarray(samples)
    return {
        "variant": "q8",
        "status": status,
        "model": {"size_bytes": 100},
        "latency": {
            "n": x.size,
            "mean_s": x.mean(),
            "median_s": float(np.median(x)),
            "p90_s": float(np.percentile(x, 90)),
            "p99_s": float(np.percentile(x, 99)),
            "std_s": x.std(ddof=1),
            "ci95_halfwidth_pct": 1.0,
            "converged": True,
            "reason": "r",
        },
        "power": {"mean_w": 5.0, "peak_w": 6.0 + energy, "reason": None},
        "energy": {"j_per_inference": energy, "reason": None},
        "gpu": {"mean_load_pct": None, "reason": "no GPU"},
        "memory": {"preload_rss_bytes": 10, "peak_rss_bytes": peak_rss, "delta_rss_bytes": peak_rss - 10},
        "errors": [],
        "warnings": [],
    }


def test_one_process_is_returned_unchanged():
    run = _run([1.0, 2.0], 50, 0.1)
    assert merge_runs([run]) is run


def test_latency_is_pooled_and_the_ci_spans_processes():
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(1.0, 0.1, 200), rng.normal(1.1, 0.1, 300), rng.normal(0.95, 0.1, 250)
    merged = merge_runs([_run(a, 50, 0.1), _run(b, 70, 0.3), _run(c, 60, 0.2)])
    lat = merged["latency"]
    means = [a.mean(), b.mean(), c.mean()]
    assert lat["n"] == 750 and lat["processes"] == 3
    assert lat["mean_s"] == pytest.approx(np.mean(means))
    assert lat["std_s"] == pytest.approx(np.concatenate([a, b, c]).std(ddof=1))
    lo, hi = stats.t.interval(0.95, 2, loc=np.mean(means), scale=stats.sem(means))
    assert lat["ci95_halfwidth_pct"] == pytest.approx((hi - lo) / 2 / np.mean(means) * 100)
    assert lat["ci95_halfwidth_pct"] > 1.0  # the between-process noise is larger than any single process's CI
    assert "3 worker processes" in lat["reason"]
    assert merged["memory"]["peak_rss_bytes"] == 70
    assert merged["energy"]["j_per_inference"] == pytest.approx(0.2)
    # issue 18: the energy interval spans the processes
    lo, hi = stats.t.interval(0.95, 2, loc=0.2, scale=stats.sem([0.1, 0.3, 0.2]))
    assert merged["energy"]["ci95_halfwidth_j"] == pytest.approx((hi - lo) / 2)
    assert merged["energy"]["interval_reason"] == "over 3 worker processes"
    assert merged["power"]["peak_w"] == pytest.approx(6.3)


def test_a_failed_process_makes_the_merge_partial():
    merged = merge_runs([_run([1.0, 1.1], 50, 0.1), _run([1.0, 1.2], 50, 0.1, status="partial")])
    assert merged["status"] == "partial"
