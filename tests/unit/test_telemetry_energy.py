"""Energy above idle against analytic answers on synthetic power traces (no sensor involved)."""

from __future__ import annotations

import numpy as np
import pytest

from core.telemetry.energy import (
    energy_above_idle_j,
    idle_power_w,
    power_summary,
)


def trace(fn, t0=0.0, t1=4.0, rate_hz=1000.0):
    t = t0 + np.arange(round((t1 - t0) * rate_hz) + 1) / rate_hz
    return t, fn(t) * 1000.0  # fn gives watts; the trace is in milliwatts like every source


def test_constant_power_gives_power_above_idle_times_duration():
    t, p = trace(lambda t: np.full_like(t, 5.0))
    assert energy_above_idle_j(t, p, [(1.0, 3.0)], idle_w=2.0) == pytest.approx(6.0)


def test_linear_ramp_is_exact_even_with_windows_between_samples():
    t, p = trace(lambda t: t, rate_hz=10.0)  # P(t) = t watts, samples every 0.1 s
    # Integral of t over [0.25, 1.75] = (1.75^2 - 0.25^2) / 2 = 1.5; trapezoid + interpolated edges is exact here.
    assert energy_above_idle_j(t, p, [(0.25, 1.75)], idle_w=0.0) == pytest.approx(1.5)
    # A window shorter than one sample interval, with no sample inside: (0.37^2 - 0.33^2) / 2.
    assert energy_above_idle_j(t, p, [(0.33, 0.37)], idle_w=0.0) == pytest.approx(0.014)
    # Several windows add up; idle is subtracted over each window's duration only.
    two = energy_above_idle_j(t, p, [(0.0, 1.0), (2.0, 3.0)], idle_w=0.5)
    assert two == pytest.approx((0.5 - 0.5) + (2.5 - 0.5))


def test_step_inside_a_window_matches_within_one_sample_interval():
    t, p = trace(lambda t: np.where(t < 1.0, 1.0, 3.0))
    # 0.5 s at idle, then 0.5 s at 2 W above idle; the step is smeared over one 1 ms interval at most.
    assert energy_above_idle_j(t, p, [(0.5, 1.5)], idle_w=1.0) == pytest.approx(1.0, abs=2e-3)


def test_single_nan_is_bridged_but_a_vanished_sensor_gives_none():
    t, p = trace(lambda t: t, rate_hz=100.0)
    p[150] = np.nan  # one failed read
    assert energy_above_idle_j(t, p, [(1.0, 2.0)], idle_w=0.0) == pytest.approx(1.5)
    p[120:300] = np.nan  # sensor gone for 1.8 s inside the window
    assert energy_above_idle_j(t, p, [(1.0, 3.5)], idle_w=0.0) is None
    # Windows away from the gap are still fine.
    assert energy_above_idle_j(t, p, [(0.1, 1.0)], idle_w=0.0) == pytest.approx(0.495)


def test_window_outside_the_samples_gives_none_but_small_edge_overhang_is_held():
    t, p = trace(lambda t: np.full_like(t, 2.0), t0=10.0, t1=12.0, rate_hz=100.0)
    assert energy_above_idle_j(t, p, [(0.0, 11.0)], idle_w=0.0) is None
    assert energy_above_idle_j(t, p, [(11.5, 30.0)], idle_w=0.0) is None
    assert energy_above_idle_j(t, p, [(11.5, 12.2)], idle_w=0.0) == pytest.approx(1.4)


def test_energy_needs_idle_and_windows():
    t, p = trace(lambda t: np.full_like(t, 2.0))
    assert energy_above_idle_j(t, p, [(0.0, 1.0)], idle_w=None) is None
    assert energy_above_idle_j(t, p, [], idle_w=1.0) is None
    assert energy_above_idle_j(np.array([]), np.array([]), [(0.0, 1.0)], idle_w=1.0) is None


def test_idle_power_is_the_median_over_its_interval():
    t, p = trace(lambda t: np.where(t < 2.0, 1.5, 4.0), rate_hz=100.0)
    p[50] = 100_000.0  # one spike must not move the baseline
    assert idle_power_w(t, p, 0.0, 1.9) == pytest.approx(1.5)
    assert idle_power_w(t, p, 2.5) == pytest.approx(4.0)
    assert idle_power_w(t, np.full_like(p, np.nan)) is None
    assert idle_power_w(t, p, 10.0, 11.0) is None


def test_unsorted_samples_are_ordered_before_integrating():
    t, p = trace(lambda t: t, rate_hz=10.0)
    order = np.random.default_rng(0).permutation(len(t))
    assert energy_above_idle_j(t[order], p[order], [(0.25, 1.75)], idle_w=0.0) == pytest.approx(1.5)


def test_power_summary_figures():
    t, p = trace(lambda t: np.where((t >= 1.0) & (t <= 3.0), 6.0, 2.0), rate_hz=100.0)
    idle = idle_power_w(t, p, 0.0, 0.9)
    s = power_summary(t, p, [(1.0, 2.0), (2.0, 3.0)], n_inferences=40, idle_w=idle, source="tegra-power",
                      rail="VDD_IN")  # fmt: skip
    assert s["idle_w"] == pytest.approx(2.0)
    assert s["mean_w"] == pytest.approx(6.0)
    assert s["peak_w"] == pytest.approx(6.0)
    assert s["energy_j_per_inference"] == pytest.approx(2 * 4.0 / 40)
    assert s["n_samples"] == 201  # 1.00 to 3.00 at 100 Hz; the sample on the shared edge counts once
    assert s["achieved_rate_hz"] == pytest.approx(100.0)
    assert (s["source"], s["rail"], s["reason"]) == ("tegra-power", "VDD_IN", None)


def test_power_summary_without_a_sensor_is_none_with_the_reason():
    reason = "no power sensor on this machine (see `tocompress sensors`)"
    s = power_summary(None, None, [(0.0, 1.0)], 10, None, source=None, rail=None, reason=reason)
    assert s["mean_w"] is None and s["energy_j_per_inference"] is None and s["idle_w"] is None
    assert s["reason"] == reason


def test_power_summary_explains_a_missing_energy_figure():
    t, p = trace(lambda t: np.full_like(t, 3.0), rate_hz=100.0)
    s = power_summary(t, p, [(1.0, 2.0)], 10, None, source="rapl", rail="package")
    assert s["mean_w"] == pytest.approx(3.0)
    assert s["energy_j_per_inference"] is None
    assert s["reason"] == "idle power was not measured"
