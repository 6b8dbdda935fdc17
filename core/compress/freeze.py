"""Freeze a Keras model into an inference GraphDef (variables as constants) that a tf.compat.v1 Session can run.

The compress stage does this once, with modern TensorFlow and Keras, so the run stage never needs Keras: it only
imports the GraphDef. The batch dimension stays unknown, so the same graph serves timing (a small batch) and
evaluation (large batches). Default-valued attributes are stripped so older TensorFlow (1.15 on a TX2) imports it.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from core.compress.graphcompat import strip_default_attrs


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
