"""Reading one node's record in TensorFlow's StepStats: its kernel time and its op type.

Shared by the per-op profile and the per-device summary so both read a trace the same way. Python 3.6-compatible.
"""

from typing import Any, Mapping  # noqa: F401 (used by the type comments)


def duration_s(ns):
    # type: (Any) -> float
    """The kernel's compute time (nanosecond fields where present, else microseconds)."""
    if ns.all_start_nanos:
        return (ns.op_end_rel_nanos - ns.op_start_rel_nanos) / 1e9
    return (ns.op_end_rel_micros - ns.op_start_rel_micros) / 1e6


def op_type(ns, graph_ops):
    # type: (Any, Mapping[str, str]) -> str
    """The kernel name from the timeline label (`name = _MklNativeConv2D(a, b)`), else the graph node's op."""
    _, sep, rest = ns.timeline_label.partition(" = ")
    kernel = rest.split("(", 1)[0].strip() if sep else ""
    return kernel or graph_ops.get(ns.node_name, "Unknown")
