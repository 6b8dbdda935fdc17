"""Per-op time, measured by TensorFlow's own tracer: a v1 Session runs the frozen graph with FULL_TRACE, and each
node's kernel time is read from the RunMetadata step stats (no estimates).

Runs only in the run stage (the caller passes its Session; freezing a Keras model is the compress stage's job, in
core.compress.freeze). An op's time is `op_end_rel - op_start_rel` (the kernel's compute, nanosecond fields when
present): the `all_*` span adds scheduling and output bookkeeping that belongs to the executor, not the op. On a
GPU the kernels' execution time on the device (the `/stream:all` records) replaces the host-side launch time of the
node that launched them. Tracing slows ops down, so these passes are never timed runs. Python 3.6-compatible.
"""

from collections import defaultdict
from typing import Any, DefaultDict, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple  # noqa: F401

from core.measure.devices import device_summary
from core.measure.opclasses import CLASS_LABELS, node_class
from core.measure.stepstats import duration_s, op_type

_GPU_KERNELS_SUFFIX = "/stream:all"
# Per-stream, memcpy and sync records repeat or sit beside the /stream:all kernels; they are not ops.
_ACTIVITY_MARKERS = ("/stream:", "/memcpy", "/sync", "/host:")  # /host:CPU: TF 1.15 profiler echoes
OpKey = Tuple[str, str]  # noqa: UP006 (Python 3.6)


class OpProfile:
    """Per-op time averaged over `passes` traced runs: by op type (as the kernel is named) and by class A..G.

    `total_s` is the sum of op times per pass, not wall time: ops on parallel threads overlap, and the shares of
    this total are what the paper's per-class figure shows. Bookkeeping ops (NoOp, _Arg, Const, ...) are left out.
    Classes come from `node_class`: a Mul inside a batch-norm layer counts as D in `by_class` and as Mul in `by_type`.
    """

    def __init__(self, passes, total_s, by_type, by_class):
        # type: (int, float, Dict[str, float], Dict[str, float]) -> None
        self.passes = passes
        self.total_s = total_s
        self.by_type = by_type
        self.by_class = by_class
        self.devices = None  # type: Optional[Dict[str, Any]]  # core.measure.devices.device_summary

    def to_dict(self):
        # type: () -> Dict[str, Any]
        return {
            "passes": self.passes,
            "total_s": self.total_s,
            "by_type": dict(self.by_type),
            "by_class": dict(self.by_class),
            "devices": self.devices,
        }


def op_times_s(step_stats, graph_ops=None):
    # type: (Any, Optional[Mapping[str, str]]) -> Dict[OpKey, float]
    """Seconds per (op type, class) in one traced run's StepStats, bookkeeping ops left out.

    Keyed by both because one op type can serve two classes (a Mul inside a batch-norm layer is D, elsewhere C);
    `graph_ops` (node name -> op) names nodes whose timeline label does not say the kernel.
    """
    graph_ops = graph_ops or {}
    kernel_s = defaultdict(float)  # type: DefaultDict[str, float]
    kernel_op = {}  # type: Dict[str, str]
    for dev in step_stats.dev_stats:
        if dev.device.endswith(_GPU_KERNELS_SUFFIX):
            for ns in dev.node_stats:
                name, sep, op = ns.node_name.rpartition(":")  # "<node name>:<op type>"
                if not sep:
                    name, op = ns.node_name, ""
                kernel_s[name] += duration_s(ns)
                kernel_op[name] = op
    times = defaultdict(float)  # type: DefaultDict[OpKey, float]
    for dev in step_stats.dev_stats:
        if any(marker in dev.device for marker in _ACTIVITY_MARKERS):
            continue
        for ns in dev.node_stats:
            op = op_type(ns, graph_ops)
            seconds = kernel_s.pop(ns.node_name, None)
            cls = node_class(op, ns.node_name)
            if cls is not None:
                times[(op, cls)] += duration_s(ns) if seconds is None else seconds
    for name, seconds in kernel_s.items():  # kernels whose launching node has no host record
        op = kernel_op[name] or graph_ops.get(name, "Unknown")
        cls = node_class(op, name)
        if cls is not None:
            times[(op, cls)] += seconds
    return dict(times)


def _profile(passes, sums_s):
    # type: (int, Mapping[OpKey, float]) -> OpProfile
    by_type = defaultdict(float)  # type: DefaultDict[str, float]
    by_class = dict.fromkeys(CLASS_LABELS, 0.0)
    for (op, cls), seconds in sums_s.items():
        by_type[op] += seconds / passes
        by_class[cls] += seconds / passes
    ordered = dict(sorted(by_type.items(), key=lambda kv: -kv[1]))
    return OpProfile(passes=passes, total_s=float(sum(ordered.values())), by_type=ordered, by_class=by_class)


def trace_session(sess, fetches, feed, passes, graph_ops=None):
    # type: (Any, Sequence[str], Mapping[str, Any], int, Optional[Mapping[str, str]]) -> Iterator[OpProfile]
    """Trace `passes` runs of `fetches` in `sess` after one uncounted warm-up, yielding the running average after
    each. The session's own options apply, so the traced graph is the timed one."""
    if passes <= 0:
        return
    import tensorflow as tf

    options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    sums_s = defaultdict(float)  # type: DefaultDict[OpKey, float]
    traces = []  # type: List[Any]
    sess.run(fetches, feed, options=options)  # warm-up: kernel and tracer setup
    for done in range(1, passes + 1):
        metadata = tf.compat.v1.RunMetadata()
        sess.run(fetches, feed, options=options, run_metadata=metadata)
        for key, seconds in op_times_s(metadata.step_stats, graph_ops).items():
            sums_s[key] += seconds
        traces.append(metadata.step_stats)
        profile = _profile(done, sums_s)
        profile.devices = device_summary(traces, graph_ops)  # where ops ran; host<->GPU copies
        yield profile
