"""The sampling rate a source actually achieved, one definition for the result file, the sampler and the panels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where it is used: the source probes (detect) run without it on a board
    import numpy as np


def achieved_rate_hz(t_s: np.ndarray) -> float | None:
    """Samples per second over the span of `t_s` (finite timestamps only); None with fewer than two or no span."""
    import numpy as np

    t = np.asarray(t_s, dtype=float)
    t = t[np.isfinite(t)]
    if len(t) < 2 or t[-1] <= t[0]:
        return None
    return (len(t) - 1) / float(t[-1] - t[0])


def source_cost(
    target_hz: float,
    achieved_hz: float | None,
    cpu_s: float | None,
    wall_s: float | None,
    sensor_ms: float | None,
) -> dict[str, Any]:
    """One source's sampling cost: its thread's CPU in % of one core over its life, target and achieved rates."""
    return {
        "target_hz": target_hz,
        "achieved_hz": achieved_hz,
        "cpu_pct_of_one_core": 100.0 * cpu_s / wall_s if cpu_s is not None and wall_s else None,
        # Reading faster than the sensor updates only repeats values: the rate of new readings.
        "sensor_update_interval_ms": sensor_ms,
        "effective_hz": min(achieved_hz, 1000.0 / sensor_ms) if achieved_hz and sensor_ms else achieved_hz,
    }


PANEL_RATE_HZ = 4.0
"""The slowest a source is sampled at: the live panels redraw at 4 Hz (tui.screens.run.REFRESH_HZ)."""

MAX_RATE_HZ = 1000.0
"""The fastest: the paper's 1 kHz; faster reads of an INA3221 only repeat its last conversion."""


def matched_rate_hz(update_interval_ms: float | None, default_hz: float) -> float:
    """About twice the sensor's refresh (Nyquist for its updates), within [PANEL_RATE_HZ, MAX_RATE_HZ].

    Reading a sensor faster than it refreshes only repeats values and costs CPU the model could use; reading it
    at twice its refresh sees every update. Unknown refresh: the source's own default rate, capped the same way.
    """
    if update_interval_ms is None or not update_interval_ms > 0:
        return min(default_hz, MAX_RATE_HZ)
    return max(PANEL_RATE_HZ, min(MAX_RATE_HZ, 2.0 * 1000.0 / update_interval_ms))
