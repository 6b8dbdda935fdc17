"""The one achieved-rate definition (result file, sampler, live panels) on timestamps with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from core.telemetry.rate import achieved_rate_hz


def test_rate_counts_intervals_over_the_span_and_skips_missing_timestamps():
    assert achieved_rate_hz(np.array([0.0, 0.5, 1.0, np.nan])) == pytest.approx(2.0)
    assert achieved_rate_hz(np.array([10.0, 10.25, np.nan, 10.5, 10.75, 11.0])) == pytest.approx(4.0)


def test_no_rate_without_two_samples_or_a_span():
    assert achieved_rate_hz(np.array([1.0])) is None
    assert achieved_rate_hz(np.array([])) is None
    assert achieved_rate_hz(np.array([2.0, 2.0])) is None
    assert achieved_rate_hz(np.array([np.nan, 3.0])) is None
