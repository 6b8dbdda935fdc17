"""Where traced ops ran: time per device, host<->GPU copies, and the devices of each op type, from StepStats.

On a Jetson the session places what it can on the GPU, but some kernels exist for the CPU only (Dequantize): then
the de-quantized weights are copied to the GPU on every inference, and that copy is the cost to show. TensorFlow's
trace says it: each `dev_stats` entry names its device, GPU kernels sit under `<gpu>/stream:all`, copies under
`<gpu>/memcpy` (`...:MEMCPYHtoD`). Python 3.6-compatible and TensorFlow-free (it reads the proto's fields only).
"""

from collections import defaultdict
from typing import Any, Dict, Iterable, List, Mapping, Optional  # noqa: F401 (used by the type comments)

from core.measure.opclasses import node_class
from core.measure.stepstats import duration_s, op_type

_KERNELS = "/stream:all"
_COPIES = "/memcpy"
_SKIP = ("/stream:", "/sync", "/host:")  # repeats of /stream:all kernels, syncs, TF 1.15 profiler echoes
_COPY_KINDS = ("HtoD", "DtoH", "DtoD", "HtoH")


def short_device(name):
    # type: (str) -> str
    """`/job:localhost/replica:0/task:0/device:GPU:0/stream:all` -> `GPU:0`; `/device:CPU:0` -> `CPU:0`."""
    tail = name.rsplit("device:", 1)[-1]
    return tail.split("/", 1)[0] or name


def device_summary(step_stats_list, graph_ops=None):
    # type: (Iterable[Any], Optional[Mapping[str, str]]) -> Dict[str, Any]
    """Per-pass averages over traced runs: `by_device_s` {device: op seconds}, `copies_s` {"GPU:0 HtoD": s},
    `op_devices` {op type: [devices]}.

    An op's time on a GPU is its kernels' time (`/stream:all`), as in the per-op profile; bookkeeping ops are
    left out. `copies_s` is empty on a CPU-only session, and a GPU op fed by a CPU-only op shows up there.
    """
    graph_ops = graph_ops or {}
    by_device = defaultdict(float)  # type: Dict[str, float]
    copies = defaultdict(float)  # type: Dict[str, float]
    op_devices = defaultdict(set)  # type: Dict[str, set]
    passes = 0
    for step_stats in step_stats_list:
        passes += 1
        kernel_s = defaultdict(float)  # type: Dict[str, float]
        for dev in step_stats.dev_stats:
            if dev.device.endswith(_KERNELS):
                for ns in dev.node_stats:
                    kernel_s[ns.node_name.rpartition(":")[0] or ns.node_name] += duration_s(ns)
            elif dev.device.endswith(_COPIES):
                for ns in dev.node_stats:
                    kind = next((k for k in _COPY_KINDS if ns.node_name.endswith(k)), "copy")
                    copies[f"{short_device(dev.device)} {kind}"] += duration_s(ns)
        for dev in step_stats.dev_stats:
            if dev.device.endswith(_COPIES) or any(marker in dev.device for marker in _SKIP):
                continue
            device = short_device(dev.device)
            for ns in dev.node_stats:
                op = op_type(ns, graph_ops)
                if node_class(op, ns.node_name) is None:
                    continue
                by_device[device] += kernel_s.get(ns.node_name, duration_s(ns))
                op_devices[op].add(device)
    scale = 1.0 / passes if passes else 0.0
    return {
        "by_device_s": {device: seconds * scale for device, seconds in sorted(by_device.items())},
        "copies_s": {kind: seconds * scale for kind, seconds in sorted(copies.items())},
        "op_devices": {op: sorted(devices) for op, devices in sorted(op_devices.items())},
    }
