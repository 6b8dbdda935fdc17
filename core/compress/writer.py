"""Write the on-disk compressed model (artifact format 2): one file whose size is the model size the paper reports.

It holds the frozen inference GraphDef with every float weight constant stripped out, and a table of those weights,
each encoded by the spec's tensor-level steps (bit-packed codes, sparse structures; see tensorcodec). The baseline
goes through the same format as float32 dense, so size comparisons are fair. The run stage rebuilds the graph from
it with numpy and tf.compat.v1 only (core.artifact.graph_build), so it never needs Keras. The container (prefix,
header, payloads) is core.artifact.container, which the run stage reads on Python 3.6.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.artifact.container import FORMAT_VERSION, ArtifactError, container_head, read_container
from core.artifact.graph_build import dequant_form
from core.atomic import write_atomic
from core.compress.streamcodec import encode_pieces
from core.compress.tensorcodec import is_compressible, tensor_steps
from core.spec import CompressionSpec

__all__ = ["FORMAT_VERSION", "ArtifactError", "ArtifactInfo", "read_artifact_header", "save_artifact"]

_FLOAT_TYPES = ("DT_FLOAT", "DT_HALF", "DT_DOUBLE", "DT_BFLOAT16")
# Weight inputs of these ops hold one output channel per (input channel x multiplier): their last two axes.
_DEPTHWISE_OPS = ("DepthwiseConv2dNative",)
_PASS_THROUGH_OPS = ("Identity", "IdentityN")
_COPY_BYTES = 1 << 24  # spool to artifact, 16 MiB at a time


@dataclass(frozen=True)
class ArtifactInfo:
    """What was written: where, its real size on disk, the parameter counts, and how its weights are quantized."""

    path: str
    size_bytes: int
    params: int
    nonzero_params: int
    compressed_tensors: int
    quantization: dict[str, Any] | None = None


def save_artifact(
    graph_def: Any,
    inputs: list[str],
    outputs: list[str],
    spec: CompressionSpec | str,
    path: str | os.PathLike[str],
    *,
    source: dict[str, Any] | None = None,
    blocks: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> ArtifactInfo:
    """Encode every float weight constant of the frozen `graph_def` under `spec` and write the artifact to `path`.

    `graph_def` is changed in place (its weights are stripped). `values` gives the weights of constants left empty
    by freeze_model_lean (variables by node name, read one at a time). `source` says what the model was made from
    (for reuse of a cached artifact) and `blocks` holds the pipeline's records (pruning, fine-tuning) to report
    again. Encoded tensors are spooled to a temporary file beside `path`, so only one tensor is in memory at once.
    """
    import tensorflow as tf

    spec = spec if isinstance(spec, CompressionSpec) else CompressionSpec.parse(spec)
    values = values or {}
    channel_dims = _channel_dims(graph_def)
    table: list[dict[str, Any]] = []
    params = nonzero = compressed = 0
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=str(target.parent), prefix="." + target.name + ".") as spool:
        offset = crc = 0
        for node in graph_def.node:
            held = values.get(node.name)
            if not _is_weight(node):
                # Left empty by the freezer but not the table's (an integer or a scalar): its value goes back in.
                if held is not None:
                    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(held.numpy()))
                continue
            # A read-only view of the variable's own buffer (Variable.numpy() would copy it).
            value = (
                np.asarray(held.read_value())
                if held is not None
                else tf.make_ndarray(node.attr["value"].tensor)
            )
            meta, pieces, nonzero_here = encode_pieces(value, spec, channel_dims.get(node.name, 1))
            nbytes = 0
            for piece in pieces:
                spool.write(piece)
                crc = zlib.crc32(piece, crc)
                nbytes += len(piece)
            del pieces
            table.append({"name": node.name, **meta.to_json(), "offset": offset, "nbytes": nbytes})
            offset += nbytes
            params += int(value.size)
            nonzero += nonzero_here
            compressed += int(is_compressible(value) and bool(tensor_steps(spec)))
            del value
            _strip(node, tf)
        graph_bytes = graph_def.SerializeToString()
        crc = zlib.crc32(graph_bytes, crc)
        header = {
            "format": FORMAT_VERSION,
            "spec": str(spec),
            "runtime": "tf-graph",
            "tensorflow": tf.__version__,
            "source": source or {},
            "graph": {
                "inputs": list(inputs),
                "outputs": list(outputs),
                "offset": offset,
                "nbytes": len(graph_bytes),
            },
            "tensors": table,
            "params": params,
            "nonzero_params": nonzero,
            "compressed_tensors": compressed,
            "quantization": quantization_block(spec, compressed),
            "blocks": blocks or {},
        }
        spool.seek(0)
        head = container_head(header, offset + len(graph_bytes), crc)
        write_atomic(
            target, itertools.chain([head], iter(lambda: spool.read(_COPY_BYTES), b""), [graph_bytes])
        )
    return ArtifactInfo(str(path), target.stat().st_size, params, nonzero, compressed, header["quantization"])


def quantization_block(spec: CompressionSpec, tensors: int) -> dict[str, Any] | None:
    """How the weights are quantized and de-quantized, for the `model` event and the result; None if they are not."""
    step = spec.quant_step
    if step is None or step.bits is None:
        return None
    return {
        "bits": step.bits,
        "granularity": "per-channel" if step.per_channel else "per-tensor",
        "dequant": step.dequant,
        "dequant_form": dequant_form(step.bits, step.per_channel, step.dequant),
        "tensors": tensors,
        "code_bits_in_graph": None if step.dequant == "load" else (8 if step.bits <= 8 else 16),
    }


def read_artifact_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The decoded header (spec, source, graph names, tensor table, blocks) after checking the whole file."""
    return read_container(str(path))[0]


def _is_weight(node: Any) -> bool:
    """A float constant with at least two elements: a weight, bias or normalization parameter (not a scalar)."""
    if node.op != "Const":
        return False
    tensor = node.attr["value"].tensor
    from tensorflow.core.framework import types_pb2

    if types_pb2.DataType.Name(tensor.dtype) not in _FLOAT_TYPES:
        return False
    dims = [d.size for d in tensor.tensor_shape.dim]
    return len(dims) >= 1 and int(np.prod(dims)) >= 2


def _strip(node: Any, tf: Any) -> None:
    """Replace the constant's value by an empty tensor of the same dtype and shape (the table holds it)."""
    tensor = node.attr["value"].tensor
    empty = tf.compat.v1.make_tensor_proto([], dtype=tensor.dtype)
    empty.tensor_shape.CopyFrom(tensor.tensor_shape)
    node.attr["value"].tensor.CopyFrom(empty)


def _channel_dims(graph_def: Any) -> dict[str, int]:
    """Weight constants feeding a depthwise convolution (through Identity nodes) have 2 channel axes; others 1."""
    consumers: dict[str, list[Any]] = {}
    for node in graph_def.node:
        for name in node.input:
            consumers.setdefault(name.lstrip("^").split(":")[0], []).append(node)
    dims: dict[str, int] = {}
    for node in graph_def.node:
        if node.op != "Const":
            continue
        frontier, seen = [node.name], set()
        while frontier:
            name = frontier.pop()
            if name in seen:
                continue
            seen.add(name)
            for user in consumers.get(name, []):
                if user.op in _PASS_THROUGH_OPS:
                    frontier.append(user.name)
                elif user.op in _DEPTHWISE_OPS:
                    dims[node.name] = 2
    return dims
