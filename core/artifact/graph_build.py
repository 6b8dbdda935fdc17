"""Rebuild a runnable inference graph from an artifact: weights back in as constants, in the form the spec asks for.

- Run-time de-quantization (`qN`, the paper's form): each quantized weight stays integer in the graph (quint8 codes
  for N <= 8, quint16 up to 16) and a de-quantize step in front of it runs on every inference, inside a
  `<weight>/dequantize/` scope (op class F): per tensor one `Dequantize(MIN_FIRST, range min..min+top*scale)`,
  as the paper's graphs had (the codec puts 0 on the grid, so MIN_FIRST's rounding of min to a whole step is
  exact; a min off the grid gets `Dequantize(range 0..top*scale) + min` instead), per channel
  `Dequantize(MIN_FIRST, range 0..top) * scale[C] + min[C]`. The weight's own node becomes an Identity of the
  result, so every consumer is unchanged. Pruned weights get the code of 0.0.
- De-quantization at load (`qN:load`) and unquantized tensors: float constants, decoded with numpy.
TensorFlow's optimizers fold constant subgraphs, which would turn the run-time form back into float constants;
`session_config` switches that folding off, and every variant (the baseline too) runs with the same options so the
comparison is fair. Decoded arrays are dropped as soon as each constant is built: integer weights stay resident,
float copies are transient.

Python 3.6-compatible: numpy and tf.compat.v1 / protobuf APIs only (TensorFlow 1.15 to 2.x).
"""

import gc
from typing import Any, Dict, List, Optional, Tuple  # noqa: F401 (used by the type comments)

import numpy as np

from core.artifact.container import ArtifactError, payload_slice, read_container
from core.artifact.tensordecode import decode_codes, decode_float, levels

DEQUANT_SCOPE = "dequantize"
# What the run stage asks of TensorFlow, recorded in the result: L0 turns the classic graph optimizer's constant
# folding off, and Grappler's constant folding is off too; other Grappler passes (layout, remapper) stay on.
SESSION_OPTIONS = {
    "graph_optimizer_opt_level": "L0",
    "graph_optimizer_do_constant_folding": False,
    "graph_optimizer_do_function_inlining": True,
    "grappler_constant_folding": "OFF",
    "gpu_allow_growth": True,
    "same_for_every_variant": True,
}  # type: Dict[str, Any]


def dequant_form(bits, per_channel, dequant):
    # type: (int, bool, str) -> str
    """The de-quantization a setting runs, in words for the result (e.g. `Dequantize(quint8, MIN_FIRST) + min`)."""
    if dequant == "load":
        return "float32 constants (de-quantized once, at load)"
    codes = "quint8" if bits <= 8 else "quint16"
    if per_channel:
        return f"Dequantize({codes}, MIN_FIRST) * scale[channel] + min[channel], every inference"
    return f"Dequantize({codes}, MIN_FIRST), every inference"


def session_options(threads=None):
    # type: (Optional[int]) -> Dict[str, Any]
    """SESSION_OPTIONS with the thread pools of the `threads` run option (0: TensorFlow sizes the pool itself)."""
    return dict(
        SESSION_OPTIONS,
        intra_op_parallelism_threads=threads or 0,
        inter_op_parallelism_threads=1 if threads else 0,
    )


def session_config(tf, threads=None):
    # type: (Any, Optional[int]) -> Any
    """The ConfigProto of SESSION_OPTIONS (the same for every variant, baseline included); `threads` N: an
    intra-op pool of N and one inter-op thread, as close as TensorFlow gets to TFLite's num_threads."""
    from tensorflow.core.protobuf import rewriter_config_pb2

    config = tf.compat.v1.ConfigProto()
    config.gpu_options.allow_growth = True
    optimizer = config.graph_options.optimizer_options
    optimizer.opt_level = tf.compat.v1.OptimizerOptions.L0
    optimizer.do_constant_folding = False
    optimizer.do_function_inlining = True
    config.graph_options.rewrite_options.constant_folding = rewriter_config_pb2.RewriterConfig.OFF
    if threads:
        config.intra_op_parallelism_threads = threads
        config.inter_op_parallelism_threads = 1
    return config


class BuiltGraph:
    """A graph ready to import: the GraphDef, its input and output tensor names, the artifact header, and counts."""

    def __init__(self, graph_def, inputs, outputs, header, counts):
        # type: (Any, List[str], List[str], Dict[str, Any], Dict[str, int]) -> None
        self.graph_def = graph_def
        self.inputs = inputs
        self.outputs = outputs
        self.header = header
        self.counts = counts


def build_graph(path):
    # type: (str) -> BuiltGraph
    """Read the artifact at `path` and put its weights back, quantized ones in the form its setting names (run-time
    de-quantization, or float constants de-quantized at load)."""
    from tensorflow.core.framework import graph_pb2, types_pb2

    header, payload = read_container(path)
    try:
        graph_entry = header["graph"]
        graph_def = graph_pb2.GraphDef()
        graph_def.ParseFromString(bytes(payload_slice(payload, graph_entry)))
        quant = header.get("quantization") or {}
        form = quant.get("dequant") or "load"
        nodes = {node.name: node for node in graph_def.node}
        counts = {
            "integer_weights": 0,
            "float_weights": 0,
            "integer_bytes": 0,
            "float_bytes": 0,
            "dequantize_ops": 0,
        }
        for entry in header["tensors"]:
            node = nodes[entry["name"]]
            data = payload_slice(payload, entry)
            float32 = node.attr["dtype"].type == types_pb2.DT_FLOAT  # the de-quantize ops produce float32
            if entry.get("bits") is not None and form == "runtime" and float32:
                added = _runtime_dequant(node, entry, data)
                graph_def.node.extend(added)
                counts["integer_weights"] += 1
                counts["integer_bytes"] += len(added[0].attr["value"].tensor.tensor_content)
                counts["dequantize_ops"] += 1
            else:
                _set_value(node, decode_float(entry, data))
                counts["float_weights"] += 1
                counts["float_bytes"] += len(node.attr["value"].tensor.tensor_content)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ArtifactError):
            raise
        raise ArtifactError(
            f"artifact {path} has a damaged graph or tensor table ({exc!r}); run the compression again"
        ) from None
    gc.collect()  # the decoded float copies are gone; only the graph's constants remain
    return BuiltGraph(graph_def, list(graph_entry["inputs"]), list(graph_entry["outputs"]), header, counts)


def counts_words(counts):
    # type: (Dict[str, int]) -> str
    """The built graph's weights in words for the run log (a bare dict read as debug output): "graph: 8 float32
    weight tensors (605,224 bytes)", or with run-time de-quantization how many integer tensors and ops."""
    parts = []
    if counts.get("float_weights"):
        parts.append(
            "{:,} float32 weight tensors ({:,} bytes)".format(counts["float_weights"], counts["float_bytes"])
        )
    if counts.get("integer_weights"):
        parts.append(
            "{:,} integer weight tensors ({:,} bytes) de-quantized at run time by {:,} ops".format(
                counts["integer_weights"], counts["integer_bytes"], counts.get("dequantize_ops", 0)
            )
        )
    return "graph: " + (", ".join(parts) if parts else "no weight tensors")


def _runtime_dequant(node, entry, payload):
    # type: (Any, Dict[str, Any], memoryview) -> List[Any]
    """Turn weight `node` into Identity(de-quantize(integer codes)); returns the new nodes, codes constant first."""
    from tensorflow.core.framework import types_pb2

    codes, scales, mins = decode_codes(entry, payload)
    bits = int(entry["bits"])
    wide = bits > 8
    qtype = types_pb2.DT_QUINT16 if wide else types_pb2.DT_QUINT8
    top = float(levels(16 if wide else 8))
    scope = f"{node.name}/{DEQUANT_SCOPE}/"
    shape = [int(d) for d in entry["shape"]]
    per_channel = scales.ndim > 0
    lead = len(shape) - int(entry.get("channel_dims") or 1)
    channel_shape = [1] * lead + shape[lead:]
    code_bytes = np.ascontiguousarray(codes, dtype="<u2" if wide else np.uint8).tobytes()
    del codes
    # One Dequantize does the whole affine map when min sits on the grid (an integer zero point).
    zero = -float(mins) / float(scales) if not per_channel and float(scales) > 0 else 0.5
    whole = not per_channel and (float(scales) == 0 or abs(zero - round(zero)) < 1e-6)
    range_min = float(mins) if whole else 0.0
    range_max = range_min + top * (1.0 if per_channel else float(scales))
    new = [
        _const(scope + "codes", qtype, shape, code_bytes),
        _const(scope + "range_min", types_pb2.DT_FLOAT, [], np.float32(range_min).tobytes()),
        _const(scope + "range_max", types_pb2.DT_FLOAT, [], np.float32(range_max).tobytes()),
        _op(
            scope + "Dequantize",
            "Dequantize",
            [scope + "codes", scope + "range_min", scope + "range_max"],
            {"T": qtype},
            mode=b"MIN_FIRST",
        ),
    ]
    last = scope + "Dequantize"
    if per_channel:
        scale_bytes = np.ascontiguousarray(scales.reshape(channel_shape), dtype="<f4").tobytes()
        new.append(_const(scope + "scale", types_pb2.DT_FLOAT, channel_shape, scale_bytes))
        new.append(_op(scope + "mul", "Mul", [last, scope + "scale"], {"T": types_pb2.DT_FLOAT}))
        last = scope + "mul"
    if not whole:
        min_shape = channel_shape if per_channel else []
        min_bytes = np.ascontiguousarray(np.reshape(mins, min_shape), dtype="<f4").tobytes()
        new.append(_const(scope + "min", types_pb2.DT_FLOAT, min_shape, min_bytes))
        new.append(_op(scope + "add", "Add", [last, scope + "min"], {"T": types_pb2.DT_FLOAT}))
        last = scope + "add"
    name = node.name
    node.Clear()
    node.CopyFrom(_op(name, "Identity", [last], {"T": types_pb2.DT_FLOAT}))
    return new


def _set_value(node, value):
    # type: (Any, np.ndarray) -> None
    """Fill a stripped float constant with `value` in the node's own dtype."""
    from tensorflow.core.framework import types_pb2

    tensor = node.attr["value"].tensor
    numpy_type = {types_pb2.DT_FLOAT: "<f4", types_pb2.DT_DOUBLE: "<f8", types_pb2.DT_HALF: "<f2"}.get(
        tensor.dtype
    )
    if numpy_type is None:
        raise ArtifactError(f"weight {node.name} has a dtype the runner cannot rebuild ({tensor.dtype})")
    if list(value.shape) != [d.size for d in tensor.tensor_shape.dim]:
        raise ArtifactError(f"weight {node.name} has shape {value.shape} in the table but not in the graph")
    tensor.tensor_content = np.ascontiguousarray(value, dtype=numpy_type).tobytes()


def _shape_proto(shape):
    # type: (List[int]) -> Any
    from tensorflow.core.framework import tensor_shape_pb2

    return tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=int(d)) for d in shape]
    )


def _const(name, dtype, shape, content):
    # type: (str, int, List[int], bytes) -> Any
    from tensorflow.core.framework import attr_value_pb2, node_def_pb2, tensor_pb2

    tensor = tensor_pb2.TensorProto(dtype=dtype, tensor_shape=_shape_proto(shape), tensor_content=content)
    node = node_def_pb2.NodeDef(name=name, op="Const")
    node.attr["dtype"].CopyFrom(attr_value_pb2.AttrValue(type=dtype))
    node.attr["value"].CopyFrom(attr_value_pb2.AttrValue(tensor=tensor))
    return node


def _op(name, op, inputs, types, mode=None):
    # type: (str, str, List[str], Dict[str, int], Optional[bytes]) -> Any
    from tensorflow.core.framework import attr_value_pb2, node_def_pb2

    node = node_def_pb2.NodeDef(name=name, op=op, input=inputs)
    for key, dtype in types.items():
        node.attr[key].CopyFrom(attr_value_pb2.AttrValue(type=dtype))
    if mode is not None:
        node.attr["mode"].CopyFrom(attr_value_pb2.AttrValue(s=mode))
    return node
