"""Structured pruning, step 1: read a Keras model's layer graph into channel spaces and the groups that share a mask.

Each conv/dense output opens a channel space; layers that act channel by channel (activations, pooling, dropout,
padding, BatchNormalization, depthwise convs) pass their input's space through; Add-like merges tie their inputs'
spaces into one group that shares a single mask (a residual stage is pruned together or not at all); Flatten keeps
the space but repeats it once per spatial position. A space is left whole (frozen, with the reason) when it reaches
the model's output, starts at the model's input, or meets a layer this module cannot see through (Reshape, Lambda,
shared layers, nested models...). Counting is core.compress.structured_count, rebuilding structured_rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import UserError

if TYPE_CHECKING:
    import keras

_PRODUCERS = {"Conv1D", "Conv2D", "Conv3D", "Dense"}
_DEPTHWISE = {"DepthwiseConv1D", "DepthwiseConv2D"}
_UNIFY = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}
_TRANSPARENT = {
    "Activation", "ReLU", "LeakyReLU", "ELU", "Identity", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
}  # fmt: skip
# Normalize over channels, so removing one channel moves the others: not channel-transparent.
_CROSS_CHANNEL_ACTIVATIONS = {"softmax", "log_softmax"}


class StructuredPruneError(UserError, ValueError):
    """A model or request structured pruning cannot handle; the message says what to do instead."""


@dataclass(frozen=True)
class Layout:
    """Which channel spaces a tensor's last axis is made of, in order, and how often the run repeats (Flatten)."""

    spaces: tuple[int, ...]
    repeat: int = 1


@dataclass
class Space:
    width: int
    producer: str | None  # the conv/dense layer whose filters or units these channels are
    frozen: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """What the analysis found: spaces, their groups, and how each weight's axes map onto spaces."""

    spaces: list[Space]
    parent: list[int]
    weight_axes: dict[str, list[dict[int, Layout]]]  # layer name -> per weight, axis -> layout of that axis
    flop_layers: dict[str, int]  # layer name -> output positions; MACs = positions * kernel size
    kernels: dict[str, np.ndarray]  # producer name -> kernel, for the L1 ranking
    shapes: dict[str, list[tuple[int, ...]]]  # layer name -> its weights' shapes (layers in weight_axes)
    fixed_params: int = 0  # parameters of layers whose weights no pruning touches

    def root(self, space: int) -> int:
        while self.parent[space] != space:
            self.parent[space] = self.parent[self.parent[space]]
            space = self.parent[space]
        return space

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.spaces)):
            out.setdefault(self.root(i), []).append(i)
        return out


def _entries(model: keras.Model) -> Iterator[tuple[dict[str, Any], list[tuple[str, int]], int]]:
    """Each layer's config entry, the (layer, tensor index) it reads, and how many times it is called."""
    config = model.get_config()
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise StructuredPruneError(
            f"model {model.name!r} has no layer graph in its config; structured pruning needs a Sequential or "
            "functional Keras model"
        )
    if "input_layers" not in config:  # Sequential: a chain
        if layers[0]["class_name"] != "InputLayer":
            raise StructuredPruneError(
                f"Sequential model {model.name!r} has no Input; build it with keras.Input"
            )
        previous: list[tuple[str, int]] = []
        for entry in layers:
            yield entry, previous, 1
            previous = [(entry["config"]["name"], 0)]
        return
    for entry in layers:
        nodes = entry.get("inbound_nodes") or []
        inbound = [h for h in _histories(nodes[0])] if nodes else []
        yield entry, inbound, len(nodes)


def _histories(obj: Any) -> Iterator[tuple[str, int]]:
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            name, _, tensor_index = obj["config"]["keras_history"]
            yield name, int(tensor_index)
            return
        for value in obj.values():
            yield from _histories(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _histories(value)


def _output_names(model: keras.Model) -> list[tuple[str, int]]:
    config = model.get_config()
    if "output_layers" in config:
        outs = config["output_layers"]
        outs = [outs] if outs and isinstance(outs[0], str) else outs
        return [(name, int(tensor_index)) for name, _, tensor_index in outs]
    return [(config["layers"][-1]["config"]["name"], 0)]


def analyse(model: keras.Model) -> Plan:
    """The channel spaces, groups and weight-axis layouts of `model`, with what must stay whole and why."""
    plan = Plan(spaces=[], parent=[], weight_axes={}, flop_layers={}, kernels={}, shapes={})
    layouts: dict[tuple[str, int], Layout] = {}

    def new_space(width: int, producer: str | None, frozen: str | None = None) -> Layout:
        plan.spaces.append(Space(int(width), producer, [frozen] if frozen else []))
        plan.parent.append(len(plan.spaces) - 1)
        return Layout((len(plan.spaces) - 1,))

    def freeze(layout: Layout, reason: str) -> None:
        for s in layout.spaces:
            plan.spaces[s].frozen.append(reason)

    def width(layout: Layout) -> int:
        return sum(plan.spaces[s].width for s in layout.spaces) * layout.repeat

    def unify(inputs: list[Layout]) -> bool:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other.spaces) != len(first.spaces) or other.repeat != first.repeat:
                return False
            pairs = zip(first.spaces, other.spaces, strict=True)
            if any(plan.spaces[a].width != plan.spaces[b].width for a, b in pairs):
                return False
        for other in inputs[1:]:
            for a, b in zip(first.spaces, other.spaces, strict=True):
                plan.parent[plan.root(b)] = plan.root(a)
        return True

    for entry, inbound, calls in _entries(model):
        cls, cfg = entry["class_name"], entry["config"]
        name = cfg["name"]
        if cls == "InputLayer":
            layouts[(name, 0)] = new_space(cfg["batch_shape"][-1] or 0, None, "starts at the model's input")
            continue
        layer = model.get_layer(name)
        inputs = [layouts[h] for h in inbound]
        out_shapes = _output_shapes(layer)
        outcome = None if calls != 1 or len(out_shapes) != 1 else _follow(layer, cls, cfg, inputs, width)
        if outcome is None:
            why = "is opaque"
            if calls != 1:
                why = "is shared"
            elif hasattr(layer, "layers"):
                why = "is a nested model"
            for layout in inputs:
                freeze(layout, f"feeds {name} ({cls}), which {why} to structured pruning")
            for i, shape in enumerate(out_shapes):
                layouts[(name, i)] = new_space(shape[-1] or 0, None, f"comes out of {name} ({cls})")
            continue
        kind, axes = outcome
        if kind == "produce":
            out = new_space(out_shapes[0][-1], name)
            plan.kernels[name] = np.asarray(layer.get_weights()[0])
        elif kind == "unify":
            out = inputs[0] if unify(inputs) else Layout(())
            if not out.spaces:
                for layout in inputs:
                    freeze(layout, f"meets {name} ({cls}) with a different channel layout")
                out = new_space(out_shapes[0][-1], None, f"comes out of {name} ({cls})")
        elif kind == "concat":
            out = Layout(tuple(s for layout in inputs for s in layout.spaces))
        elif kind == "flatten":
            positions = int(np.prod(layer.input.shape[1:-1], dtype=np.int64))
            out = Layout(inputs[0].spaces, positions) if len(layer.input.shape) > 2 else inputs[0]
        else:
            out = inputs[0]
        layouts[(name, 0)] = out
        weight_axes = [{a: (out if side == "out" else inputs[0]) for a, side in ax.items()} for ax in axes]
        if weight_axes:
            plan.weight_axes[name] = weight_axes
            plan.shapes[name] = [tuple(w.shape) for w in layer.get_weights()]
        if cls in _PRODUCERS or cls in _DEPTHWISE:
            plan.flop_layers[name] = int(np.prod(out_shapes[0][1:-1], dtype=np.int64))
    for key in _output_names(model):
        freeze(layouts[key], "reaches the model's output")
    plan.fixed_params = sum(
        int(np.prod(w.shape))
        for layer in model.layers
        if layer.name not in plan.weight_axes
        for w in layer.weights
    )
    return plan


def _output_shapes(layer: Any) -> list[tuple[int, ...]]:
    out = layer.output
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [tuple(t.shape) for t in outs]


def _follow(layer: Any, cls: str, cfg: dict[str, Any], inputs: list[Layout], width: Any) -> Any:
    """(kind, per-weight axis sides) for a layer pruning can see through, or None when it cannot."""
    if not inputs or cfg.get("data_format") == "channels_first":
        return None
    one = len(inputs) == 1
    rank = len(layer.input.shape) if one else 0
    flat = one and inputs[0].repeat == 1
    weights = layer.get_weights()
    if cls in _PRODUCERS and one and cfg.get("groups", 1) == 1 and (flat or cls == "Dense"):
        axes = [{-2: "in", -1: "out"}, {0: "out"}][: len(weights)]
        expected = 2 if cfg.get("use_bias", True) else 1
        ok = len(weights) == expected and weights[0].shape[-2] == width(inputs[0])
        return ("produce", axes) if ok else None
    if cls in _DEPTHWISE and flat and cfg.get("depth_multiplier", 1) == 1:
        return "follow", [{-2: "in"}, {0: "in"}][: len(weights)]
    if cls == "BatchNormalization" and cfg.get("axis") in (-1, rank - 1, [-1], [rank - 1]):
        return "follow", [{0: "in"} for _ in weights]
    if cls == "PReLU":
        return "follow", [{-1: "in"} if w.shape[-1] == width(inputs[0]) != 1 else {} for w in weights]
    if cls == "Activation" and cfg.get("activation") in _CROSS_CHANNEL_ACTIVATIONS:
        return None
    if cls in _TRANSPARENT and not weights:  # spatial ones never see a flattened (repeat > 1) layout
        return "follow", []
    if cls == "Flatten" and flat:
        return "flatten", []
    if cls in _UNIFY and len(inputs) > 1:
        return "unify", []
    if cls == "Concatenate" and len(inputs) > 1 and all(layout.repeat == 1 for layout in inputs):
        axis = cfg.get("axis", -1)
        last = axis == -1 or axis == len(layer.output.shape) - 1
        return ("concat", []) if last else ("unify", [])
    return None


def prunable_groups(plan: Plan) -> dict[int, list[int]]:
    """Groups (root -> member spaces) that nothing freezes and whose every space is a conv/dense output."""
    return {
        root: members
        for root, members in plan.groups().items()
        if not any(plan.spaces[s].frozen for s in members) and all(plan.spaces[s].producer for s in members)
    }
