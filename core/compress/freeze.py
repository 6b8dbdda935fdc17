"""Freeze a Keras model into an inference GraphDef (variables as constants) that a tf.compat.v1 Session can run.

The compress stage does this once, with modern TensorFlow and Keras, so the run stage never needs Keras: it only
imports the GraphDef. The batch dimension stays unknown, so the same graph serves timing (a small batch) and
evaluation (large batches). Control flow (RNN loops) is lowered to v1 ops and default-valued attributes are stripped,
so older TensorFlow (1.15 on a TX2) imports it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import tensorflow as tf
from tensorflow.python.framework import convert_to_constants as _c2c
from tensorflow.python.util import deprecation

from core.artifact.graphcompat import strip_default_attrs


def freeze_model(model: Any) -> tuple[Any, list[str], list[str]]:
    """GraphDef of `model(x, training=False)` with variables as constants, plus its input and output tensor names
    (TensorFlow's own converter, which copies every weight several times: the reference the lean path matches)."""
    frozen = _c2c.convert_variables_to_constants_v2(_concrete(model))  # also lowers control flow to v1 ops
    graph_def = frozen.graph.as_graph_def()
    strip_default_attrs(graph_def)
    return graph_def, [t.name for t in frozen.inputs], [t.name for t in frozen.outputs]


def freeze_model_lean(model: Any) -> tuple[Any, list[str], list[str], dict[str, Any]]:
    """Like freeze_model, but the weight constants are left empty (shape and dtype only) and returned as the
    variables that hold them, by constant name, so the artifact writer reads one tensor at a time.

    TensorFlow's converter does the graph work (inlining, lowering loops and conditionals, retyping every
    resource edge through Enter/Switch/Merge and function signatures); it is only shown each variable's shape and
    dtype instead of its value, and its last step (a re-import that holds every weight twice more) is skipped."""
    concrete = _concrete(model)
    converted, values = _convert_shape_only(concrete)
    inputs = [t.name for t in concrete.inputs[: len(model.inputs)]]
    outputs = [t.name for t in concrete.outputs]
    graph_def = _pruned(converted, inputs + outputs)
    strip_default_attrs(graph_def)
    kept = {node.name for node in graph_def.node}
    return graph_def, inputs, outputs, {name: v for name, v in values.items() if name in kept}


def _convert_shape_only(concrete: Any) -> tuple[Any, dict[str, Any]]:
    """convert_variables_to_constants_v2's GraphDef of `concrete` before its re-import, each weight an empty
    constant; and the variables of those constants, by name."""
    data = _ShapeOnlyConverterData(concrete)
    graph = _c2c._GraphDef(data.graph_def)
    values: dict[str, Any] = {}
    for name, tensor_data in data.tensor_data.items():
        convertible = graph.nodes[name]
        if not isinstance(tensor_data.numpy, _Held):  # a captured constant (small): its value, as TF does it
            convertible.convert_variable_to_constant(None, tensor_data)
            continue
        _blank_constant(convertible.converted_self().node, name, tensor_data)
        values[name] = tensor_data.numpy.variable
        for edge in convertible.outgoing_edges:  # what _VarHandle does after writing its constant
            edge.destination.convertible.convert_variable_to_constant(edge, tensor_data)
    return graph.converted_self().graph_def, values


def _pruned(graph_def: Any, tensor_names: list[str]) -> Any:
    """The nodes `tensor_names` need, without colocation hints or debug names: what the reference's re-import leaves
    (it drops the inlined function bodies' leftovers, their `_class` attributes and their original node names)."""
    with deprecation.silence():  # a v1 API, and the one that prunes a GraphDef (loops and all) to its outputs
        pruned = tf.compat.v1.graph_util.extract_sub_graph(graph_def, [n.split(":")[0] for n in tensor_names])
    for node in pruned.node:
        if "_class" in node.attr:
            del node.attr["_class"]
        node.ClearField("experimental_debug_info")
    return pruned


class _Held(NamedTuple):
    """A weight as the converter sees it: its variable, whose shape and dtype (all the graph walk reads) stand in
    for the value, so no weight is copied into the graph."""

    variable: Any

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.variable.shape)

    @property
    def dtype(self) -> Any:
        return self.variable.dtype


class _ShapeOnlyConverterData(_c2c._FunctionConverterDataInEager):
    """convert_variables_to_constants_v2's data for `concrete` (control flow lowered), with each variable of a
    fully known shape held as a _Held instead of read into numpy."""

    def __init__(self, concrete: Any) -> None:
        super().__init__(func=concrete, lower_control_flow=True, aggressive_inlining=False)

    def _eval(self, tensor: Any) -> Any:
        if isinstance(tensor, tf.Variable) and tensor.shape.is_fully_defined():
            return _Held(tensor)
        return super()._eval(tensor)


def _blank_constant(node: Any, name: str, tensor_data: Any) -> None:
    """Make `node` a Const of the weight's dtype and shape with no values (the writer's table will hold them)."""
    empty = tf.compat.v1.make_tensor_proto([], dtype=tensor_data.dtype)
    empty.tensor_shape.CopyFrom(tf.TensorShape(tensor_data.numpy.shape).as_proto())
    node.Clear()
    node.name, node.op = name, "Const"  # the name kept, so every input that names it still resolves
    node.attr["dtype"].CopyFrom(tensor_data.dtype_attr)
    node.attr["value"].tensor.CopyFrom(empty)


def _concrete(model: Any) -> Any:
    """The concrete function of `model(x, training=False)` for inputs of any batch size."""
    specs = [tf.TensorSpec((None, *tuple(t.shape)[1:]), t.dtype) for t in model.inputs]

    def forward(*xs: Any) -> Any:
        return model(xs[0] if len(xs) == 1 else list(xs), training=False)

    return tf.function(forward).get_concrete_function(*specs)
