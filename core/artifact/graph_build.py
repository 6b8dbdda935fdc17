# Over 300 lines: one rebuild path (header, weight nodes, variables, session); its helpers serve only it.
"""Rebuild a runnable inference graph from an artifact: weights back in as variables, in the form the spec asks for.

- Run-time de-quantization (`qN`, the paper's form): each quantized weight stays integer in the graph (uint8 codes
  for N <= 8, uint16 up to 16, bitcast without a copy to quint8/quint16) and a de-quantize step in front of it runs on every inference, inside a
  `<weight>/dequantize/` scope (op class F): per tensor one `Dequantize(MIN_FIRST, range min..min+top*scale)`,
  as the paper's graphs had (the codec puts 0 on the grid, so MIN_FIRST's rounding of min to a whole step is
  exact; a min off the grid gets `Dequantize(range 0..top*scale) + min` instead), per channel
  `Dequantize(MIN_FIRST, range 0..top) * scale[C] + min[C]`. The weight's own node becomes an Identity of the
  result, so every consumer is unchanged. Pruned weights get the code of 0.0.
- De-quantization at load (`qN:load`) and unquantized tensors: float variables, decoded with numpy.
Weights live in one of two forms (the `weights_form` run option; core.artifact.weightsform chooses and says why):
- variables (`<weight>/weight`: a reference variable read by an Identity for floats, a resource variable read by a
  ReadVariableOp for integer codes; the reader keeps the weight's node name): the GraphDef carries no weight bytes,
  so importing it and Grappler's copies of it cost nothing per weight (ResNet50's footprint: 200 MiB against
  1,342 MiB as constants). `BuiltGraph.load_weights` fills them once, tensor by tensor, from the file, float
  tensors in chunks of CHUNK_BYTES, so no whole float copy exists beside the variable;
- constants, as a frozen graph has them: oneDNN caches a convolution's re-ordered filter only for a constant, so
  this is the form whose float baseline runs as fast as it would deployed (ResNet50: q8 1.17x slower than the
  baseline with constants, 1.005x with variables, where the baseline re-orders every filter as q8 does).
Each run-time Dequantize carries control inputs on the other inputs of its weight's one consumer (the previous
layer's output), so the executor runs it just before that layer rather than all at the start of an inference:
about one layer's float weights is alive at a time (the `dequant_float_peak_bytes` count bounds it).
TensorFlow's optimizers fold constant subgraphs, which would turn the run-time form back into float constants;
`session_config` switches that folding off, and every variant (the baseline too) runs with the same options so the
comparison is fair.

Python 3.6-compatible: numpy and tf.compat.v1 / protobuf APIs only (TensorFlow 1.15 to 2.x).
"""

from typing import Any, Callable, Dict, List, Optional, Set, Tuple  # noqa: F401 (used by the type comments)

import numpy as np

from core.artifact.container import ArtifactError, read_header
from core.artifact.tensordecode import decode_codes, decode_float, entry_count, float_chunks, levels
from core.artifact.weightsform import CONST, VARIABLES

DEQUANT_SCOPE = "dequantize"
VARIABLE_SUFFIX = "/weight"
CHUNK_BYTES = 1 << 24  # a float weight reaches its variable in slices of about this size
# Ops a Dequantize is never ordered after: graph inputs (a control edge would make a fed placeholder run), constants
# and control flow (loops and conditionals have their own frames).
_NO_ORDER_OPS = frozenset(
    ("Placeholder", "PlaceholderWithDefault", "Const", "ReadVariableOp", "VarHandleOp", "VariableV2", "Enter", "Exit", "Switch",
     "Merge", "NextIteration", "LoopCond", "RefEnter", "RefSwitch", "RefMerge")
)  # fmt: skip
# Ops oneDNN's graph rewrite fuses into the following convolution (_MklPadWithConv2D), dropping the node a control
# edge would wait on (measured on TF 2.21: "Retval[0] does not have value" on ResNet50).
_FUSED_INTO_LAYER = frozenset(("Pad", "MirrorPad"))
_MAX_STEPS = 4  # Identity/Cast steps followed from a weight to the layer that uses it
_CONTROL_FLOW_CONSUMERS = frozenset(
    ("Enter", "Switch", "Merge", "While", "StatelessWhile", "If", "StatelessIf")
)
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
    """A graph ready to import: the GraphDef (no weight bytes), its input and output tensor names, the artifact
    header, counts, and what `load_weights` feeds into the session's variables after the import."""

    def __init__(self, graph_def, inputs, outputs, header, counts, path="", payload_offset=0, loads=None):
        # type: (Any, List[str], List[str], Dict[str, Any], Dict[str, int], str, int, Optional[List[_Load]]) -> None
        self.graph_def = graph_def
        self.inputs = inputs
        self.outputs = outputs
        self.header = header
        self.counts = counts
        self.path = path
        self.payload_offset = payload_offset
        self.loads = loads or []  # type: List[_Load]

    def load_weights(self, sess):
        # type: (Any) -> None
        """Fill every weight variable in `sess` (a session on the imported graph) from the artifact, one tensor at a
        time, floats in slices: at most one tensor's codes or one slice of floats is held beside the variables."""
        with open(self.path, "rb") as f:
            for load in self.loads:
                base = self.payload_offset + int(load.entry["offset"])

                def read(offset, size, base=base):
                    # type: (int, int, int) -> bytes
                    f.seek(base + offset)
                    return f.read(size)

                load.run(sess, read)
        self.loads = []
        release_freed_memory()


def release_freed_memory():
    # type: () -> None
    """Hand freed heap pages back to the kernel (glibc's malloc_trim): the load's transient copies would otherwise
    stay in RSS (ResNet50: 172 MiB added by its 98 MiB of float weights before, 141 after; q8 59 and 46 MiB)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim with
        pass


class _Load:
    """How one weight variable is filled: its artifact entry and the init ops fed in the session."""

    def __init__(self, entry, scope, codes_dtype=None, numpy_dtype=np.float32):
        # type: (Dict[str, Any], str, Optional[str], Any) -> None
        self.entry = entry
        self.scope = scope  # `<variable>/init/`
        self.codes_dtype = codes_dtype  # "uint8"/"uint16": run-time de-quantization's codes
        self.numpy_dtype = numpy_dtype
        shape = [int(d) for d in entry["shape"]]
        self.shape = shape
        self.row_elems = int(np.prod(shape[1:], dtype=np.int64)) if shape else 1
        count = entry_count(entry)
        self.chunked = codes_dtype is None and len(shape) > 0 and count * 4 > CHUNK_BYTES

    def run(self, sess, read):
        # type: (Any, Callable[[int, int], bytes]) -> None
        entry, scope = self.entry, self.scope
        if self.codes_dtype is not None:
            sess.run(scope + "assign", {scope + "value:0": _codes(entry, read, self.codes_dtype)})
            return
        if not self.chunked:
            value = _floats(entry, read, self.numpy_dtype).reshape(self.shape)
            sess.run(scope + "assign", {scope + "value:0": value})
            return
        sess.run(scope + "assign")  # zeros of the full shape, then the slices in place
        rows = max(1, CHUNK_BYTES // (4 * self.row_elems))
        for start, chunk in float_chunks(entry, read, int(entry["nbytes"]), rows * self.row_elems):
            first = start // self.row_elems
            block = chunk.astype(self.numpy_dtype, copy=False).reshape([-1] + self.shape[1:])
            feed = {
                scope + "value:0": block,
                scope + "begin:0": [first] + [0] * (len(self.shape) - 1),
                scope + "end:0": [first + chunk.size // self.row_elems] + self.shape[1:],
            }
            sess.run(scope + "slice_assign", feed)


def build_graph(path, weights_form=VARIABLES):
    # type: (str, str) -> BuiltGraph
    """Read the artifact's header and graph at `path` and put each weight back, quantized ones in the form its
    setting names (run-time de-quantization, or float de-quantized at load): in a variable that `load_weights`
    fills, or with `weights_form` "const" as a graph constant (core.artifact.weightsform says when and why)."""
    from tensorflow.core.framework import graph_pb2, types_pb2

    header, payload_offset = read_header(path)
    try:
        graph_entry = header["graph"]
        graph_def = graph_pb2.GraphDef()
        graph_def.ParseFromString(
            _read_at(path, payload_offset + int(graph_entry["offset"]), int(graph_entry["nbytes"]))
        )
        quant = header.get("quantization") or {}
        form = quant.get("dequant") or "load"
        const = weights_form == CONST
        nodes = {node.name: node for node in graph_def.node}
        counts = {
            "integer_weights": 0,
            "float_weights": 0,
            "integer_bytes": 0,
            "float_bytes": 0,
            "dequantize_ops": 0,
            "dequantize_ordered": 0,
            "dequant_float_peak_bytes": 0,
        }
        loads = []  # type: List[_Load]
        dequantized = {}  # type: Dict[str, str]  # weight name -> its Dequantize node
        for entry in header["tensors"]:
            node = nodes[entry["name"]]
            float32 = node.attr["dtype"].type == types_pb2.DT_FLOAT  # the de-quantize ops produce float32
            if entry.get("bits") is not None and form == "runtime" and float32:
                at = payload_offset + int(entry["offset"])
                added, load = _runtime_dequant(node, entry, _reader_at(path, at), const_codes=const)
                graph_def.node.extend(added)
                loads.extend([load] if load is not None else [])
                dequantized[node.name] = [n.name for n in added if n.op == "Dequantize"][0]
                counts["integer_weights"] += 1
                counts["integer_bytes"] += entry_count(entry) * (2 if int(entry["bits"]) > 8 else 1)
                counts["dequantize_ops"] += 1
                counts["dequant_float_peak_bytes"] = max(
                    counts["dequant_float_peak_bytes"], 4 * entry_count(entry)
                )
            else:
                dtype = node.attr["dtype"].type
                if const:
                    _fill_constant(node, entry, _reader_at(path, payload_offset + int(entry["offset"])))
                else:
                    added, load = _float_variable(node, entry)
                    graph_def.node.extend(added)
                    loads.append(load)
                counts["float_weights"] += 1
                counts["float_bytes"] += entry_count(entry) * np.dtype(_NUMPY_TYPES[dtype]).itemsize
        weights = set(e["name"] for e in header["tensors"])
        counts["dequantize_ordered"] = _order_dequantize(graph_def, dequantized, weights)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ArtifactError):
            raise
        raise ArtifactError(
            f"artifact {path} has a damaged graph or tensor table ({exc!r}); run the compression again"
        ) from None
    built = BuiltGraph(graph_def, list(graph_entry["inputs"]), list(graph_entry["outputs"]), header, counts)
    built.path, built.payload_offset, built.loads = str(path), payload_offset, loads
    return built


def graph_weight_bytes(path):
    # type: (str) -> int
    """Bytes the artifact's weights take in the run graph: integer codes for run-time de-quantization, else floats."""
    header, _ = read_header(path)
    runtime = (header.get("quantization") or {}).get("dequant") == "runtime"
    total = 0
    for entry in header["tensors"]:
        bits = entry.get("bits")
        width = (2 if int(bits) > 8 else 1) if bits is not None and runtime else 4
        total += entry_count(entry) * width
    return total


def _layer_of(weight, consumers, by_name):
    # type: (str, Dict[str, List[Any]], Dict[str, Any]) -> Tuple[Optional[Any], List[str]]
    """The op that uses `weight` with other data (the layer), following single-consumer steps that read only the
    weight and constants (Identity, Cast); (None, []) when the weight has several users or enters control flow."""
    through = [weight]
    for _ in range(_MAX_STEPS):
        users = consumers.get(through[-1], [])
        if len(users) != 1 or users[0].op in _CONTROL_FLOW_CONSUMERS:
            return None, []
        user = users[0]
        others = [
            i
            for i in user.input
            if not i.startswith("^")
            and i.split(":")[0] not in through
            and getattr(by_name.get(i.split(":")[0]), "op", None) != "Const"
        ]
        if others:
            return user, through
        through.append(user.name)
    return None, []


def _reader_at(path, at):
    # type: (str, int) -> Callable[[int, int], bytes]
    """read(offset, size) of the payload that starts at file offset `at`."""

    def read(offset, size):
        # type: (int, int) -> bytes
        return _read_at(path, at + offset, size)

    return read


def _read_at(path, offset, size):
    # type: (str, int, int) -> bytes
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def _order_dequantize(graph_def, dequantized, weights):
    # type: (Any, Dict[str, str], Set[str]) -> int
    """Give each Dequantize a control input on the other data inputs of its weight's single consumer (the previous
    layer's output), so it runs just before that layer; returns how many were ordered. Weights read by several
    nodes, or entering a loop or conditional, are left unordered (their floats live as long as those do)."""
    by_name = {node.name: node for node in graph_def.node}
    consumers = {}  # type: Dict[str, List[Any]]
    for node in graph_def.node:
        for name in node.input:
            if not name.startswith("^"):
                consumers.setdefault(name.split(":")[0], []).append(node)
    ordered = 0
    for weight, dequantize in dequantized.items():
        layer, through = _layer_of(weight, consumers, by_name)
        if layer is None:
            continue
        after = []  # type: List[str]
        for name in layer.input:
            source = name.split(":")[0]
            node = by_name.get(source)
            while node is not None and node.op in _FUSED_INTO_LAYER and node.input:
                source = node.input[0].split(":")[0]  # order after the pad's own input instead
                node = by_name.get(source)
            if name.startswith("^") or node is None or source in through or source in weights:
                continue
            if node.op not in _NO_ORDER_OPS and "^" + source not in after:
                after.append("^" + source)
        if after:
            by_name[dequantize].input.extend(after)
            ordered += 1
    return ordered


_NUMPY_TYPES = {1: "<f4", 2: "<f8", 19: "<f2"}  # DT_FLOAT, DT_DOUBLE, DT_HALF


def _fill_constant(node, entry, read):
    # type: (Any, Dict[str, Any], Callable[[int, int], bytes]) -> None
    """Give the stripped float constant `node` its values from the artifact (de-quantized at load where quantized)."""
    numpy_type = _checked_type(node, entry)
    node.attr["value"].tensor.tensor_content = _floats(entry, read, numpy_type).tobytes()


def _checked_type(node, entry):
    # type: (Any, Dict[str, Any]) -> Any
    """The numpy dtype of the stripped float constant `node`, which must have the shape the tensor table gives."""
    tensor = node.attr["value"].tensor
    numpy_type = _NUMPY_TYPES.get(tensor.dtype)
    if numpy_type is None:
        raise ArtifactError(f"weight {node.name} has a dtype the runner cannot rebuild ({tensor.dtype})")
    shape = [int(d) for d in entry["shape"]]
    if shape != [d.size for d in tensor.tensor_shape.dim]:
        raise ArtifactError(f"weight {node.name} has shape {shape} in the table but not in the graph")
    return np.dtype(numpy_type)


def _floats(entry, read, numpy_dtype):
    # type: (Dict[str, Any], Callable[[int, int], bytes], Any) -> np.ndarray
    """The whole tensor as `numpy_dtype`, de-quantized where quantized, from its payload read in one piece."""
    return decode_float(entry, read(0, int(entry["nbytes"]))).astype(numpy_dtype, copy=False)


def _codes(entry, read, codes_dtype):
    # type: (Dict[str, Any], Callable[[int, int], bytes], str) -> np.ndarray
    """The quantized tensor's integer codes, shaped like it, as `codes_dtype` ("uint8" or "uint16")."""
    return np.ascontiguousarray(decode_codes(entry, read(0, int(entry["nbytes"])))[0], dtype=codes_dtype)


def _float_variable(node, entry):
    # type: (Any, Dict[str, Any]) -> Tuple[List[Any], _Load]
    """Turn the stripped float constant `node` into Identity(a variable) under its own name; returns the new nodes
    (the variable and its init ops) and how to fill it. A reference variable, not a resource one: a resource
    variable written by slices (ResourceStridedSliceAssign) switches to copy-on-read, copying the whole weight on
    every inference (measured: 24 ms per read of 128 MB, against 0.1 ms)."""
    from tensorflow.core.framework import attr_value_pb2, types_pb2

    numpy_type = _checked_type(node, entry)
    shape = [int(d) for d in entry["shape"]]
    dtype = node.attr["value"].tensor.dtype
    load = _Load(entry, node.name + VARIABLE_SUFFIX + "/init/", numpy_dtype=numpy_type)
    variable = node.name + VARIABLE_SUFFIX
    new = [_op(variable, "VariableV2", [], {"dtype": dtype})]
    new[0].attr["shape"].CopyFrom(attr_value_pb2.AttrValue(shape=_shape_proto(shape)))
    new[0].attr["shared_name"].CopyFrom(attr_value_pb2.AttrValue(s=variable.encode("utf-8")))
    name = node.name
    node.Clear()
    node.CopyFrom(_op(name, "Identity", [variable], {"T": dtype}))  # reads the variable without a copy
    scope = load.scope
    if not load.chunked:
        new.append(_op(scope + "value", "Placeholder", [], {"dtype": dtype}))
        new.append(_op(scope + "assign", "Assign", [variable, scope + "value"], {"T": dtype}))
        return new, load
    index = types_pb2.DT_INT64
    rank = len(shape)
    new += [
        _const(scope + "shape", index, [rank], np.asarray(shape, dtype="<i8").tobytes()),
        _const(scope + "zero", dtype, [], np.zeros((), dtype=numpy_type).tobytes()),
        _op(scope + "zeros", "Fill", [scope + "shape", scope + "zero"], {"T": dtype, "index_type": index}),
        _op(
            scope + "assign", "Assign", [variable, scope + "zeros"], {"T": dtype}
        ),  # adopts the zeros' buffer
        _op(scope + "value", "Placeholder", [], {"dtype": dtype}),
        _op(scope + "begin", "Placeholder", [], {"dtype": index}),
        _op(scope + "end", "Placeholder", [], {"dtype": index}),
        _const(scope + "strides", index, [rank], np.ones(rank, dtype="<i8").tobytes()),
        _op(
            scope + "slice_assign",
            "StridedSliceAssign",
            [variable, scope + "begin", scope + "end", scope + "strides", scope + "value"],
            {"T": dtype, "Index": index},
        ),
    ]
    return new, load


def _variable(node, dtype, shape):
    # type: (Any, int, List[int]) -> List[Any]
    """Replace `node` by ReadVariableOp(`<node>/weight`) (same name, so consumers are unchanged); returns
    [the VarHandleOp]."""
    from tensorflow.core.framework import attr_value_pb2

    handle = _op(node.name + VARIABLE_SUFFIX, "VarHandleOp", [], {"dtype": dtype})
    handle.attr["shape"].CopyFrom(attr_value_pb2.AttrValue(shape=_shape_proto(shape)))
    handle.attr["shared_name"].CopyFrom(attr_value_pb2.AttrValue(s=handle.name.encode("utf-8")))
    name = node.name
    node.Clear()
    node.CopyFrom(_op(name, "ReadVariableOp", [name + VARIABLE_SUFFIX], {"dtype": dtype}))
    return [handle]


def _assign(name, variable, value, dtype):
    # type: (str, str, str, int) -> Any
    return _op(name, "AssignVariableOp", [variable, value], {"dtype": dtype})


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


def _runtime_dequant(node, entry, read, const_codes=False):
    # type: (Any, Dict[str, Any], Callable[[int, int], bytes], bool) -> Tuple[List[Any], Optional[_Load]]
    """Turn weight `node` into Identity(de-quantize(integer codes in a variable, or in a constant with
    `const_codes`)); returns the new nodes and how to fill the codes' variable (None for constant codes)."""
    from tensorflow.core.framework import types_pb2

    scales, mins = _affine(entry, read)
    bits = int(entry["bits"])
    wide = bits > 8
    qtype = types_pb2.DT_QUINT16 if wide else types_pb2.DT_QUINT8
    utype = types_pb2.DT_UINT16 if wide else types_pb2.DT_UINT8
    top = float(levels(16 if wide else 8))
    scope = f"{node.name}/{DEQUANT_SCOPE}/"
    shape = [int(d) for d in entry["shape"]]
    per_channel = scales.ndim > 0
    lead = len(shape) - int(entry.get("channel_dims") or 1)
    channel_shape = [1] * lead + shape[lead:]
    # One Dequantize does the whole affine map when min sits on the grid (an integer zero point).
    zero = -float(mins) / float(scales) if not per_channel and float(scales) > 0 else 0.5
    whole = not per_channel and (float(scales) == 0 or abs(zero - round(zero)) < 1e-6)
    range_min = float(mins) if whole else 0.0
    range_max = range_min + top * (1.0 if per_channel else float(scales))
    # The codes live in a uint variable (every TensorFlow has AssignVariableOp for uint8/uint16, not for quint16);
    # a Bitcast, which copies nothing, gives Dequantize its quint type on each inference.
    codes = _op(scope + "codes", "Bitcast", [scope + "codes/read"], {"T": utype, "type": qtype})
    reader = _op(scope + "codes/read", "Const", [], {})  # becomes the variable's reader below
    codes_dtype = "uint16" if wide else "uint8"
    load = None  # type: Optional[_Load]
    if const_codes:
        new = [_const(reader.name, utype, shape, _codes(entry, read, codes_dtype).tobytes()), codes]
    else:
        load = _Load(entry, scope + "codes/read" + VARIABLE_SUFFIX + "/init/", codes_dtype=codes_dtype)
        new = _variable(reader, utype, shape)
        new += [
            reader,
            codes,
            _op(load.scope + "value", "Placeholder", [], {"dtype": utype}),
            _assign(load.scope + "assign", reader.name + VARIABLE_SUFFIX, load.scope + "value", utype),
        ]
    new += [
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
    return new, load


def _affine(entry, read):
    # type: (Dict[str, Any], Callable[[int, int], bytes]) -> Tuple[np.ndarray, np.ndarray]
    """(scales, mins) of a quantized entry: shape (C,) per channel (the payload's last 8 C bytes), () per tensor."""
    channels = int(entry.get("channels") or 0)
    if not channels:
        return np.array(float(entry["scale"])), np.array(float(entry["min"]))
    params = np.frombuffer(read(int(entry["nbytes"]) - 8 * channels, 8 * channels), dtype="<f4")
    return params[channels:].astype(np.float32), params[:channels].astype(np.float32)


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


def open_session(built, tf, config=None):
    # type: (BuiltGraph, Any, Any) -> Any
    """A Session on `built`'s graph with its weights loaded (SESSION_OPTIONS unless `config`): the steps the runner
    takes, for tests and benchmarks."""
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(built.graph_def, name="")
    sess = tf.compat.v1.Session(graph=graph, config=config or session_config(tf))
    built.load_weights(sess)
    return sess
