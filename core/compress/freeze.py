"""Freeze a Keras model into an inference GraphDef (variables as constants) that a tf.compat.v1 Session can run.

The compress stage does this once, with modern TensorFlow and Keras, so the run stage never needs Keras: it only
imports the GraphDef. The batch dimension stays unknown, so the same graph serves timing (a small batch) and
evaluation (large batches). Default-valued attributes are stripped so older TensorFlow (1.15 on a TX2) imports it.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from core.artifact.graphcompat import strip_default_attrs


def freeze_model(model: Any) -> tuple[Any, list[str], list[str]]:
    """GraphDef of `model(x, training=False)` with variables as constants, plus its input and output tensor names."""
    specs = [tf.TensorSpec((None, *tuple(t.shape)[1:]), t.dtype) for t in model.inputs]

    def forward(*xs: Any) -> Any:
        return model(xs[0] if len(xs) == 1 else list(xs), training=False)

    concrete = tf.function(forward).get_concrete_function(*specs)
    frozen = convert_variables_to_constants_v2(concrete)  # also lowers control flow (RNN loops) to v1 ops
    graph_def = frozen.graph.as_graph_def()
    strip_default_attrs(graph_def)
    return graph_def, [t.name for t in frozen.inputs], [t.name for t in frozen.outputs]


def freeze_model_lean(model: Any) -> tuple[Any, list[str], list[str], dict[str, Any]]:
    """Like freeze_model, but the weight constants are left empty (shape and dtype only) and returned as the
    variables that hold them, by constant name, so the artifact writer reads one tensor at a time instead of the
    freezer copying every weight into the GraphDef (twice, through the frozen function). Models whose graph has
    functions (RNN loops) or uses a variable other than by reading it go through freeze_model (values {})."""
    specs = [tf.TensorSpec((None, *tuple(t.shape)[1:]), t.dtype) for t in model.inputs]

    def forward(*xs: Any) -> Any:
        return model(xs[0] if len(xs) == 1 else list(xs), training=False)

    concrete = tf.function(forward).get_concrete_function(*specs)
    graph_def = concrete.graph.as_graph_def()
    by_handle = {id(_tf_variable(v).handle): _tf_variable(v) for v in model.weights}
    captured: dict[str, Any] = {
        internal.op.name: by_handle.get(id(external))
        for external, internal in concrete.graph.captures
        if external.dtype == tf.resource
    }
    readers_ok = all(
        node.op == "ReadVariableOp"
        for node in graph_def.node
        for name in node.input
        if name.split(":")[0] in captured
    )
    if graph_def.library.function or any(v is None for v in captured.values()) or not readers_ok:
        frozen, inputs, outputs = freeze_model(model)
        return frozen, inputs, outputs, {}
    values: dict[str, Any] = {}
    for node in graph_def.node:
        if node.name in captured:
            variable = captured[node.name]
            empty = tf.compat.v1.make_tensor_proto([], dtype=variable.dtype)
            empty.tensor_shape.CopyFrom(tf.TensorShape(variable.shape).as_proto())
            name = node.name  # kept, so every input that names it still resolves
            node.Clear()
            node.name, node.op = name, "Const"
            node.attr["dtype"].type = variable.dtype.as_datatype_enum
            node.attr["value"].tensor.CopyFrom(empty)
            values[node.name] = variable
        elif node.op == "ReadVariableOp":
            dtype = node.attr["dtype"].type
            node.op = "Identity"
            del node.attr["dtype"]
            node.attr["T"].type = dtype
    strip_default_attrs(graph_def)
    n_in = len(specs)
    return graph_def, [t.name for t in concrete.inputs[:n_in]], [t.name for t in concrete.outputs], values


def _tf_variable(weight: Any) -> Any:
    """The tf.Variable behind a Keras 3 variable (or the variable itself)."""
    return getattr(weight, "value", weight) if not isinstance(weight, tf.Variable) else weight
