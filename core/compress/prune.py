"""Unstructured magnitude pruning per tensor: zero the `fraction` of weights with the smallest |w|.

Exactly round(fraction * n) weights go (Python's round). Ties at the threshold are broken by position, lowest flat
(C-order) index removed first, so the same tensor always gives the same mask. O(n) through np.partition.
"""

from __future__ import annotations

import numpy as np


def pruned_count(count: int, fraction: float) -> int:
    """How many of `count` weights a prune of `fraction` removes."""
    return min(count, max(0, round(fraction * count)))


def magnitude_mask(w: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask shaped like `w`, True where the weight is kept after removing the smallest-|w| `fraction`."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"prune fraction {fraction!r} must lie in [0, 1]")
    arr = np.asarray(w)
    magnitude = np.abs(arr).ravel()
    if np.isnan(magnitude).any():
        raise ValueError("cannot prune a tensor that holds NaN; check the model's weights")
    removed = pruned_count(magnitude.size, fraction)
    keep = np.ones(magnitude.size, dtype=bool)
    if removed:
        threshold = np.partition(magnitude, removed - 1)[removed - 1]
        below = magnitude < threshold
        keep[below] = False
        ties = np.flatnonzero(magnitude == threshold)[: removed - int(below.sum())]
        keep[ties] = False
    return keep.reshape(arr.shape)
