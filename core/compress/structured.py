"""Structured pruning after Li et al. 2017 ("Pruning Filters for Efficient ConvNets"): remove whole conv filters and
dense units with the smallest L1 norm and rebuild smaller layers, so the pruned model does less work, not just
holds zeros.

The fraction is the share of parameters removed (the paper's "percentage of model size"): one ratio of channels is
cut from every prunable group, found by bisection so the parameters removed come closest to the target.

Jobs, one module each: structured_plan (read the layer graph into channel groups), structured_count (parameters
and FLOPs at a given cut), structured_rebuild (the smaller model with sliced weights, and the report); this module
ranks channels by L1 norm and searches the ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from core.compress.structured_count import count_flops, count_kept
from core.compress.structured_plan import Plan, StructuredPruneError, analyse, prunable_groups
from core.compress.structured_rebuild import METHOD, rebuild

if TYPE_CHECKING:
    import keras

__all__ = [
    "METHOD",
    "StructuredPruneError",
    "apply_structured",
    "count_flops",
    "remove_channels",
    "structured_prune",
]

_SEARCH_STEPS = 60


def structured_prune(model: keras.Model, fraction: float) -> tuple[keras.Model, dict[str, Any]]:
    """Remove about `fraction` of the parameters as whole low-L1 filters/units; the rebuilt model and a report."""
    if not 0.0 <= fraction < 1.0:
        raise StructuredPruneError(f"structured prune fraction {fraction!r} must lie in [0, 1)")
    plan = analyse(model)
    prunable = prunable_groups(plan)
    scores = {root: _group_scores(plan, members) for root, members in prunable.items()}
    params_before = count_kept(plan, {}, flops=False)

    def kept_at(ratio: float) -> dict[int, np.ndarray]:
        return {root: _keep_highest(s, ratio) for root, s in scores.items()}

    def removed_at(ratio: float) -> float:
        return 1.0 - count_kept(plan, kept_at(ratio), flops=False) / params_before

    lo, hi = 0.0, 1.0  # removed_at is a non-decreasing step function of the ratio
    for _ in range(_SEARCH_STEPS):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if removed_at(mid) < fraction else (lo, mid)
    ratio = min((lo, hi), key=lambda r: (abs(removed_at(r) - fraction), r))
    pruned, report = rebuild(model, plan, kept_at(ratio))
    report.update(fraction_requested=fraction, channel_ratio=round(ratio, 6))
    most = removed_at(1.0)
    if most < fraction:
        report["note"] = (
            f"at most {most:.1%} of the parameters can go as whole channels here; the rest sit in layers left whole"
        )
    return pruned, report


def remove_channels(
    model: keras.Model, removed: Mapping[str, Sequence[int]]
) -> tuple[keras.Model, dict[str, Any]]:
    """Remove the named filters/units of the named conv/dense layers (their whole group goes with them)."""
    plan = analyse(model)
    prunable = prunable_groups(plan)
    by_producer = {plan.spaces[s].producer: root for root, members in prunable.items() for s in members}
    kept: dict[int, np.ndarray] = {}
    for name, indices in removed.items():
        if name not in by_producer:
            raise StructuredPruneError(f"layer {name!r} is not a prunable conv/dense layer of {model.name}")
        root = by_producer[name]
        width = plan.spaces[root].width
        keep = np.setdiff1d(kept.get(root, np.arange(width)), np.asarray(indices, dtype=np.int64))
        if keep.size == 0:
            raise StructuredPruneError(f"removing every channel of {name!r} would disconnect the model")
        kept[root] = keep
    pruned, report = rebuild(model, plan, kept)
    report["fraction_requested"] = None
    return pruned, report


def apply_structured(model: keras.Model, step: Any) -> tuple[keras.Model, dict[str, Any]]:
    """The pipeline's entry: prune `step.fraction` of the parameters as whole filters/units."""
    return structured_prune(model, float(step.fraction))


def _group_scores(plan: Plan, members: list[int]) -> np.ndarray:
    """L1 norm per output channel, summed over the group's producers, each scaled by its mean so that a 1x1
    shortcut and a 3x3 conv in one residual group weigh alike."""
    total = np.zeros(plan.spaces[members[0]].width)
    for s in members:
        kernel = plan.kernels[str(plan.spaces[s].producer)]
        norms = np.abs(kernel.reshape(-1, kernel.shape[-1])).sum(axis=0).astype(np.float64)
        mean = norms.mean()
        total += norms / mean if mean > 0 else norms
    return total


def _keep_highest(scores: np.ndarray, ratio: float) -> np.ndarray:
    """Indices kept after removing round(ratio * width) lowest scores (at least one kept); ties: lowest index goes."""
    remove = min(len(scores) - 1, int(round(ratio * len(scores))))
    order = np.argsort(scores, kind="stable")
    return np.sort(order[remove:])
