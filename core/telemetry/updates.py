"""How many real sensor updates a timing window holds: an energy figure resting on a handful of them is shaky.

A sensor refreshes slower than it is read (an INA3221 averages conversions for up to seconds), so the samples in a
window repeat values; the updates are the samples whose value differs from the one before. A window with fewer
than MIN_UPDATES_PER_WINDOW carries a warning, and the stopping rule can stretch the timed span to
`min_window_seconds()` (within its cap) so that it holds enough.
"""

from __future__ import annotations

import numpy as np

MIN_UPDATES_PER_WINDOW = 20
"""Below this many distinct sensor updates in a timing window, the energy figure carries a warning."""

_MARGIN = 1.1  # a window of exactly 20 refresh periods can hold 19 updates, depending on the phase


def count_updates(t_s: np.ndarray, values: np.ndarray, t0: float, t1: float) -> int:
    """Distinct sensor updates in [t0, t1]: samples there whose value differs from the previous finite sample."""
    t = np.asarray(t_s, dtype=float)
    v = np.asarray(values, dtype=float)
    keep = np.isfinite(t) & np.isfinite(v)
    t, v = t[keep], v[keep]
    if len(t) < 2:
        return 0
    changed = np.concatenate(([False], v[1:] != v[:-1]))
    return int(np.count_nonzero(changed & (t >= t0) & (t <= t1)))


def min_window_seconds(update_interval_ms: float | None, min_updates: int = MIN_UPDATES_PER_WINDOW) -> float:
    """The shortest timed span that holds `min_updates` sensor updates (0 when the refresh is unknown).

    The hook for the stopping rule: a timing loop (or an ABBA block) should run at least this long, within its
    seconds cap; core.run.session raises RunOptions.min_seconds to it.
    """
    if update_interval_ms is None or not update_interval_ms > 0:
        return 0.0
    return min_updates * update_interval_ms / 1000.0 * _MARGIN


def few_updates_warning(updates_per_window: list[int], update_interval_ms: float | None) -> str | None:
    """One line when some timing window holds fewer than MIN_UPDATES_PER_WINDOW updates, else None."""
    if not updates_per_window or min(updates_per_window) >= MIN_UPDATES_PER_WINDOW:
        return None
    refresh = f" (the sensor refreshes every {update_interval_ms:g} ms)" if update_interval_ms else ""
    fewest = min(updates_per_window)
    return (
        f"the energy figure rests on {fewest} sensor update{'s' if fewest != 1 else ''} in a timing window, "
        f"fewer than {MIN_UPDATES_PER_WINDOW}{refresh}: raise --min-seconds or --max-seconds"
    )


__all__ = ["MIN_UPDATES_PER_WINDOW", "count_updates", "few_updates_warning", "min_window_seconds"]
