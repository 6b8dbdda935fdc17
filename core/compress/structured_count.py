"""Structured pruning, step 2: parameters and FLOPs of a planned model once only the kept channels remain.

Works on the plan (core.compress.structured_plan) alone, without rebuilding, so the ratio search can ask "how many
parameters at this ratio?" sixty times for the price of arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from core.compress.structured_plan import Layout, Plan, analyse

if TYPE_CHECKING:
    import keras


def count_flops(model: keras.Model) -> int:
    """Floating-point operations of one inference (2 per multiply-add) in the conv, depthwise and dense layers."""
    return count_kept(analyse(model), {}, flops=True)


def kept_indices(plan: Plan, layout: Layout, kept: Mapping[int, np.ndarray]) -> np.ndarray:
    """Original indices along an axis laid out as `layout` that survive (Flatten: position-major, channel-minor)."""
    parts, offset = [], 0
    for s in layout.spaces:
        w = plan.spaces[s].width
        parts.append(offset + kept.get(plan.root(s), np.arange(w)))
        offset += w
    base = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    if layout.repeat == 1:
        return base
    return (np.arange(layout.repeat)[:, None] * offset + base[None, :]).ravel()


def _kept_width(plan: Plan, layout: Layout, kept: Mapping[int, np.ndarray]) -> int:
    per_run = sum(
        len(kept[plan.root(s)]) if plan.root(s) in kept else plan.spaces[s].width for s in layout.spaces
    )
    return per_run * layout.repeat


def count_kept(plan: Plan, kept: Mapping[int, np.ndarray], flops: bool) -> int:
    """Parameters of the model (or FLOPs of its conv/dense layers) once only `kept` channels remain."""
    total = 0
    for name, per_weight in plan.weight_axes.items():
        if flops and name not in plan.flop_layers:
            continue
        for axes, shape in zip(per_weight, plan.shapes[name], strict=True):
            size = 1
            for axis, dim in enumerate(shape):
                layout = axes.get(axis) or axes.get(axis - len(shape))
                size *= _kept_width(plan, layout, kept) if layout is not None else dim
            if flops:
                total += 2 * plan.flop_layers[name] * size
                break  # the kernel alone: MACs = output positions * kernel size
            total += size
    if not flops:
        total += plan.fixed_params
    return total
