"""Time per device from StepStats: a GPU session's trace built by hand (no GPU here), and a real CPU trace."""

from __future__ import annotations

import pytest

step_stats_pb2 = pytest.importorskip("tensorflow.core.framework.step_stats_pb2")

from core.measure.devices import device_summary, short_device  # noqa: E402

GPU = "/job:localhost/replica:0/task:0/device:GPU:0"
CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


def _stats(records):
    """StepStats from {device: [(node_name, label, micros)]}, in TF 1.15's micros fields."""
    stats = step_stats_pb2.StepStats()
    for device, nodes in records.items():
        dev = stats.dev_stats.add(device=device)
        for name, label, micros in nodes:
            ns = dev.node_stats.add(node_name=name, timeline_label=label)
            ns.op_start_rel_micros, ns.op_end_rel_micros = 10, 10 + micros
    return stats


def _gpu_pass(conv_us=100):
    """Dequantize on the CPU (its only kernel), the conv on the GPU, the weights copied host -> device, and the
    profiler's echo of the conv that TF 1.15 files under `/host:CPU` (not an op)."""
    return _stats(
        {
            CPU: [
                ("w/dequantize/Dequantize", "w/dequantize/Dequantize = Dequantize(w, min, max)", 20),
                ("w", "w = Const()", 1),
            ],
            GPU: [("conv", "conv = Conv2D(x, w/dequantize/Dequantize)", 5)],
            GPU + "/stream:all": [("conv:Conv2D", "Conv2D", conv_us)],
            GPU + "/stream:7": [("conv:Conv2D", "Conv2D", conv_us)],
            GPU + "/memcpy": [("edge_4_w/dequantize/Dequantize:MEMCPYHtoD", "MEMCPYHtoD", 30)],
            "/host:CPU": [("conv:Conv2D", "id=1,device=/job:localhost/replica:0/task:0/device:GPU:0", 7)],
        }
    )


def test_short_device_names():
    assert short_device(GPU + "/stream:all") == "GPU:0"
    assert short_device("/device:CPU:0") == "CPU:0"
    assert short_device("/job:localhost/replica:0/task:0/device:XLA_CPU:0") == "XLA_CPU:0"


def test_gpu_trace_shows_dequantize_on_cpu_and_the_copy_to_the_gpu():
    summary = device_summary([_gpu_pass(100), _gpu_pass(140)])

    assert summary["op_devices"] == {"Conv2D": ["GPU:0"], "Dequantize": ["CPU:0"]}  # Const is bookkeeping
    # the GPU op's time is its kernel's (not the 5 us launch), counted once (not again from stream:7), averaged
    assert summary["by_device_s"] == pytest.approx({"CPU:0": 20e-6, "GPU:0": 120e-6})
    assert summary["copies_s"] == pytest.approx({"GPU:0 HtoD": 30e-6})


def test_real_cpu_trace_has_one_device_and_no_copies():
    tf = pytest.importorskip("tensorflow")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, (1, 64))
        y = tf.nn.relu(tf.matmul(x, tf.ones((64, 64))))
    options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    metadata = tf.compat.v1.RunMetadata()
    with tf.compat.v1.Session(graph=graph) as sess:
        sess.run(y, {x: [[1.0] * 64]}, options=options, run_metadata=metadata)

    summary = device_summary([metadata.step_stats])

    assert list(summary["by_device_s"]) == ["CPU:0"] and summary["by_device_s"]["CPU:0"] > 0
    assert summary["copies_s"] == {}
    assert summary["op_devices"] and all(devices == ["CPU:0"] for devices in summary["op_devices"].values())
