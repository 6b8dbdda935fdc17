"""Per-op time, measured by TensorFlow's own tracer: the model is frozen to a graph and run in a v1 Session with
FULL_TRACE, and each node's kernel time is read from the RunMetadata step stats (no estimates).

Runs only in the worker (imports TensorFlow). An op's time is `op_end_rel - op_start_rel` (the kernel's compute,
nanosecond fields when present): the `all_*` span adds scheduling and output bookkeeping that belongs to the
executor, not the op. On a GPU the kernels' execution time on the device (the `/stream:all` records) replaces the
host-side launch time of the node that launched them. Tracing slows ops down, so these passes are never timed runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from core.measure.opclasses import CLASS_LABELS, node_class

_GPU_KERNELS_SUFFIX = "/stream:all"
# Per-stream, memcpy and sync records repeat or sit beside the /stream:all kernels; they are not ops.
_ACTIVITY_MARKERS = ("/stream:", "/memcpy", "/sync")


@dataclass(frozen=True)
class OpProfile:
    """Per-op time averaged over `passes` traced runs: by op type (as the kernel is named) and by class A..G.

    `total_s` is the sum of op times per pass, not wall time: ops on parallel threads overlap, and the shares of
    this total are what the paper's per-class figure shows. Bookkeeping ops (NoOp, _Arg, Const, ...) are left out.
    Classes come from `node_class`: a Mul inside a batch-norm layer counts as D in `by_class` and as Mul in `by_type`.
    """

    passes: int
    total_s: float
    by_type: dict[str, float]
    by_class: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passes": self.passes,
            "total_s": self.total_s,
            "by_type": dict(self.by_type),
            "by_class": dict(self.by_class),
        }


def _duration_s(ns: Any) -> float:
    if ns.all_start_nanos:
        return (ns.op_end_rel_nanos - ns.op_start_rel_nanos) / 1e9
    return (ns.op_end_rel_micros - ns.op_start_rel_micros) / 1e6


def _op_type(ns: Any, graph_ops: Mapping[str, str]) -> str:
    """The kernel name from the timeline label (`name = _MklNativeConv2D(a, b)`), else the graph node's op."""
    _, sep, rest = ns.timeline_label.partition(" = ")
    kernel = rest.split("(", 1)[0].strip() if sep else ""
    return kernel or graph_ops.get(ns.node_name, "Unknown")


def op_times_s(step_stats: Any, graph_ops: Mapping[str, str] | None = None) -> dict[tuple[str, str], float]:
    """Seconds per (op type, class) in one traced run's StepStats, bookkeeping ops left out.

    Keyed by both because one op type can serve two classes (a Mul inside a batch-norm layer is D, elsewhere C);
    `graph_ops` (node name -> op) names nodes whose timeline label does not say the kernel.
    """
    graph_ops = graph_ops or {}
    kernel_s: dict[str, float] = defaultdict(float)
    kernel_op: dict[str, str] = {}
    for dev in step_stats.dev_stats:
        if dev.device.endswith(_GPU_KERNELS_SUFFIX):
            for ns in dev.node_stats:
                name, sep, op = ns.node_name.rpartition(":")  # "<node name>:<op type>"
                if not sep:
                    name, op = ns.node_name, ""
                kernel_s[name] += _duration_s(ns)
                kernel_op[name] = op
    times: dict[tuple[str, str], float] = defaultdict(float)
    for dev in step_stats.dev_stats:
        if any(marker in dev.device for marker in _ACTIVITY_MARKERS):
            continue
        for ns in dev.node_stats:
            op = _op_type(ns, graph_ops)
            seconds = kernel_s.pop(ns.node_name, None)
            cls = node_class(op, ns.node_name)
            if cls is not None:
                times[(op, cls)] += _duration_s(ns) if seconds is None else seconds
    for name, seconds in kernel_s.items():  # kernels whose launching node has no host record
        op = kernel_op[name] or graph_ops.get(name, "Unknown")
        cls = node_class(op, name)
        if cls is not None:
            times[(op, cls)] += seconds
    return dict(times)


def _profile(passes: int, sums_s: Mapping[tuple[str, str], float]) -> OpProfile:
    by_type: dict[str, float] = defaultdict(float)
    by_class = dict.fromkeys(CLASS_LABELS, 0.0)
    for (op, cls), seconds in sums_s.items():
        by_type[op] += seconds / passes
        by_class[cls] += seconds / passes
    by_type = dict(sorted(by_type.items(), key=lambda kv: -kv[1]))
    return OpProfile(passes=passes, total_s=float(sum(by_type.values())), by_type=by_type, by_class=by_class)


def _freeze(model: Any, inputs: Sequence[np.ndarray]) -> tuple[Any, list[str], list[str]]:
    """GraphDef of `model(inputs, training=False)` with variables as constants, plus its input and output names."""
    specs = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype)) for a in inputs]

    def forward(*xs: Any) -> Any:
        return model(xs[0] if len(xs) == 1 else list(xs), training=False)

    concrete = tf.function(forward).get_concrete_function(*specs)
    frozen = convert_variables_to_constants_v2(concrete)  # also lowers control flow (RNN loops) to v1 ops
    return frozen.graph.as_graph_def(), [t.name for t in frozen.inputs], [t.name for t in frozen.outputs]


def trace_ops(model: Any, x: np.ndarray | Sequence[np.ndarray], passes: int) -> Iterator[OpProfile]:
    """Trace `passes` runs of `model` on `x` after one uncounted warm-up, yielding the running average after each."""
    if passes <= 0:
        return
    inputs = [np.asarray(a) for a in x] if isinstance(x, (list, tuple)) else [np.asarray(x)]
    graph_def, input_names, output_names = _freeze(model, inputs)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    graph_ops = {node.name: node.op for node in graph_def.node}
    config = tf.compat.v1.ConfigProto()
    config.gpu_options.allow_growth = True
    feed = dict(zip(input_names, inputs, strict=True))
    options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    sums_s: dict[tuple[str, str], float] = defaultdict(float)
    with tf.compat.v1.Session(graph=graph, config=config) as sess:
        sess.run(output_names, feed, options=options)  # warm-up: graph optimization, kernel and tracer setup
        for done in range(1, passes + 1):
            metadata = tf.compat.v1.RunMetadata()
            sess.run(output_names, feed, options=options, run_metadata=metadata)
            for key, seconds in op_times_s(metadata.step_stats, graph_ops).items():
                sums_s[key] += seconds
            yield _profile(done, sums_s)
