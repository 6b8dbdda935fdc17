"""Structured pruning, step 3: rebuild the model smaller from its config, slice every weight to the kept channels,
and report which layers were cut and which were left whole (and why).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from core.compress.structured_count import count_kept, kept_indices
from core.compress.structured_plan import Plan, StructuredPruneError

if TYPE_CHECKING:
    import keras

METHOD = "L1-norm filters and units (Li et al. 2017)"


def rebuild(
    model: keras.Model, plan: Plan, kept: Mapping[int, np.ndarray]
) -> tuple[keras.Model, dict[str, Any]]:
    """`model` with only the `kept` channels of each group (root -> kept indices), its weights sliced; the report."""
    config = copy.deepcopy(model.get_config())
    groups = plan.groups()
    new_width = {plan.spaces[s].producer: len(keep) for root, keep in kept.items() for s in groups[root]}
    for entry in config["layers"]:
        entry.pop("build_config", None)  # built shapes are the old ones; layers rebuild from their new inputs
        cfg = entry["config"]
        if cfg.get("name") in new_width:
            cfg["filters" if "filters" in cfg else "units"] = new_width[cfg["name"]]
    try:
        pruned = model.__class__.from_config(config)
    except Exception as exc:  # keras raises many types for a config it cannot rebuild (custom layers...)
        raise StructuredPruneError(
            f"model {model.name!r} cannot be rebuilt smaller from its config: {exc}"
        ) from None
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        per_weight = plan.weight_axes.get(layer.name, [{}] * len(weights))
        sliced = []
        for w, axes in zip(weights, per_weight, strict=True):
            for axis, layout in axes.items():
                w = np.take(w, kept_indices(plan, layout, kept), axis=axis)
            sliced.append(w)
        pruned.get_layer(layer.name).set_weights(sliced)
    return pruned, _report(model, pruned, plan, kept)


def _report(
    model: keras.Model, pruned: keras.Model, plan: Plan, kept: Mapping[int, np.ndarray]
) -> dict[str, Any]:
    cut: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    residual = 0
    for root, members in plan.groups().items():
        producers = [str(plan.spaces[s].producer) for s in members if plan.spaces[s].producer]
        if not producers:
            continue
        width = plan.spaces[root].width
        residual += len(producers) > 1
        if root in kept and len(kept[root]) < width:
            for name in producers:
                entry: dict[str, Any] = {"layer": name, "width_before": width, "width_after": len(kept[root])}
                if len(producers) > 1:
                    entry["shared_with"] = [p for p in producers if p != name]
                cut.append(entry)
        else:
            reasons = sorted({r for s in members for r in plan.spaces[s].frozen})
            reasons = reasons or ["no channel fell to the ratio"]
            left.extend({"layer": name, "width": width, "reason": "; ".join(reasons)} for name in producers)
    params_before, params_after = int(model.count_params()), int(pruned.count_params())
    return {
        "form": "structured",
        "method": METHOD,
        "fraction_achieved": round(1.0 - params_after / params_before, 6) if params_before else None,
        "params_before": params_before,
        "params_after": params_after,
        "flops_before": count_kept(plan, {}, flops=True),
        "flops_after": count_kept(plan, kept, flops=True),
        "layers_cut": cut,
        "layers_left": left,
        "residual_groups": residual,
    }
