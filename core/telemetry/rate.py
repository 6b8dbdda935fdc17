"""The sampling rate a source actually achieved, one definition for the result file, the sampler and the panels."""

from __future__ import annotations

import numpy as np


def achieved_rate_hz(t_s: np.ndarray) -> float | None:
    """Samples per second over the span of `t_s` (finite timestamps only); None with fewer than two or no span."""
    t = np.asarray(t_s, dtype=float)
    t = t[np.isfinite(t)]
    if len(t) < 2 or t[-1] <= t[0]:
        return None
    return (len(t) - 1) / float(t[-1] - t[0])
