"""Unstructured magnitude pruning per tensor: zero the `fraction` of weights with the smallest |w|.

Exactly round(fraction * n) weights go (Python's round). Ties at the threshold are broken by position, lowest flat
(C-order) index removed first, so the same tensor always gives the same mask. O(n) through np.partition.
`unstructured_masks` and `apply_masks` hold those zeros in place while a pruned model is fine-tuned.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


def unstructured_masks(model: Any, fraction: float) -> dict[str, np.ndarray]:
    """Keep-masks of every conv/dense kernel (float, ndim >= 2, as the artifact prunes), keyed as in `keyed_weights`."""
    masks = {}
    for key, variable in keyed_weights(model):
        value = np.asarray(variable.numpy())
        if value.ndim >= 2 and np.issubdtype(value.dtype, np.floating):
            masks[key] = magnitude_mask(value, fraction)
    return masks


def apply_masks(model: Any, masks: dict[str, np.ndarray]) -> int:
    """Zero the masked-out weights of `model` in place; how many tensors were masked."""
    done = 0
    for key, variable in keyed_weights(model):
        mask = masks.get(key)
        if mask is not None:
            value = np.asarray(variable.numpy())
            variable.assign(np.where(mask, value, 0).astype(value.dtype))
            done += 1
    return done


def keyed_weights(model: Any) -> Iterator[tuple[str, Any]]:
    """Each weight variable with a key that survives cloning (`layer/index/name`; Keras paths gain a model prefix)."""
    for layer in model.layers:
        for index, variable in enumerate(layer.weights):
            yield f"{layer.name}/{index}/{variable.name}", variable


def unstructured_report(
    model: Any, fraction: float, masks: dict[str, np.ndarray] | None = None
) -> dict[str, Any]:
    """The `pruning` block for magnitude pruning: zeros only, so parameters and FLOPs of the dense model stay."""
    from core.compress.structured_count import count_flops  # deferred: reads the Keras layer graph

    masks = unstructured_masks(model, fraction) if masks is None else masks
    params = nonzero = 0
    for key, variable in keyed_weights(model):
        value = np.asarray(variable.numpy())
        mask = masks.get(key)
        params += value.size
        nonzero += int(np.count_nonzero(value if mask is None else np.where(mask, value, 0)))
    flops = count_flops(model)
    return {
        "form": "unstructured",
        "method": "magnitude, per tensor (conv/dense kernels; biases and 1-D tensors whole)",
        "fraction_requested": fraction,
        "fraction_achieved": round(1.0 - nonzero / params, 6) if params else None,
        "params_before": params,
        "params_after": nonzero,  # non-zero parameters once pruned; the dense tensors keep their shapes
        "flops_before": flops,
        "flops_after": flops,  # dense kernels multiply their zeros too
        "layers_cut": [],
        "layers_left": [],
        "tensors_masked": len(masks),
    }
