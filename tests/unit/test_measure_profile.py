"""Per-op profiling on real TensorFlow runs of small frozen Keras models (one traced run shared per module)."""

from __future__ import annotations

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from tensorflow.core.framework import step_stats_pb2  # noqa: E402

from core.artifact.graph_build import session_config  # noqa: E402
from core.compress.freeze import freeze_model  # noqa: E402
from core.measure.opclasses import op_class  # noqa: E402
from core.measure.profile import OpProfile, op_times_s, trace_session  # noqa: E402

PASSES = 3


def trace_ops(model: keras.Model, x: np.ndarray, passes: int) -> list[OpProfile]:
    """Freeze `model` as the compress stage does, then trace it in a session with the run stage's options."""
    graph_def, inputs, outputs = freeze_model(model)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    ops = {node.name: node.op for node in graph_def.node}
    with tf.compat.v1.Session(graph=graph, config=session_config(tf)) as sess:
        return list(trace_session(sess, outputs, {inputs[0]: x}, passes, ops))


@pytest.fixture(scope="module")
def conv_profiles() -> list[OpProfile]:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu", bias_initializer="random_normal"),
            # Non-trivial statistics, or grappler folds the identity batch norm away in the frozen graph.
            keras.layers.BatchNormalization(
                beta_initializer="random_normal", moving_mean_initializer="random_normal"
            ),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    x = np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32)
    return trace_ops(model, x, passes=PASSES)


def test_yields_a_running_profile_per_pass(conv_profiles):
    assert [p.passes for p in conv_profiles] == list(range(1, PASSES + 1))


def test_convolution_and_matmul_have_time(conv_profiles):
    final = conv_profiles[-1]
    assert list(final.by_class) == list("ABCDEFG")
    assert final.by_class["A"] > 0
    assert final.by_class["B"] > 0
    assert any("Conv2D" in op and op_class(op) == "A" for op in final.by_type)
    assert any("MatMul" in op and op_class(op) == "B" for op in final.by_type)


def test_batch_norm_math_counts_as_normalization(conv_profiles):
    # Keras 3 lowers inference batch norm to Mul/AddV2 under a "batchnorm" scope; those count as D, not C.
    final = conv_profiles[-1]
    assert final.by_class["D"] > 0
    assert "Mul" in final.by_type and "FusedBatchNormV3" not in final.by_type


def test_totals_add_up_and_are_plausible(conv_profiles):
    for p in conv_profiles:
        assert sum(p.by_class.values()) == pytest.approx(p.total_s)
        assert sum(p.by_type.values()) == pytest.approx(p.total_s)
        assert 0 < p.total_s < 1.0  # a tiny model on 16 digit-sized images: microseconds to milliseconds
    assert list(conv_profiles[-1].by_type.values()) == sorted(
        conv_profiles[-1].by_type.values(), reverse=True
    )


def test_bookkeeping_ops_are_left_out(conv_profiles):
    assert all(op_class(op) is not None for p in conv_profiles for op in p.by_type)
    assert not {"_Arg", "_Retval", "NoOp", "Const", "Identity"} & set(conv_profiles[-1].by_type)


def test_to_dict_is_json_ready(conv_profiles):
    data = json.loads(json.dumps(conv_profiles[-1].to_dict()))
    assert data["passes"] == PASSES and data["by_class"]["A"] > 0


def test_recurrent_model_lands_in_class_g():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 4)), keras.layers.LSTM(8), keras.layers.Dense(3)])
    x = np.random.default_rng(1).random((2, 6, 4), dtype=np.float32)
    (profile,) = trace_ops(model, x, passes=1)
    assert profile.by_class["G"] > 0  # the lowered while loop and its tensor lists
    assert profile.by_class["B"] > 0  # the gate matmuls


def test_zero_passes_yield_nothing():
    assert list(trace_session(object(), ["y:0"], {}, passes=0)) == []


def test_gpu_kernel_time_replaces_launch_time():
    # Hand-built in the layout TF's xplane_to_step_stats.cc writes for GPU runs: host-side node records on the
    # compute device, kernels on /stream:all (named "<node>:<op>") and again per stream, copies on /memcpy.
    stats = step_stats_pb2.StepStats()
    host = stats.dev_stats.add(device="/job:localhost/replica:0/task:0/device:GPU:0")
    host.node_stats.add(node_name="conv", timeline_label="conv = Conv2D(x, w)", op_end_rel_micros=5)
    host.node_stats.add(node_name="relu", timeline_label="relu = Relu(conv)", op_end_rel_micros=4)
    host.node_stats.add(node_name="_SOURCE", timeline_label="_SOURCE = NoOp()", op_end_rel_micros=1)
    for device in ("/device:GPU:0/stream:all", "/device:GPU:0/stream:7"):
        dev = stats.dev_stats.add(device=device)
        dev.node_stats.add(node_name="conv:Conv2D", op_end_rel_micros=200)
        dev.node_stats.add(node_name="conv:Conv2D", op_end_rel_micros=100)
        dev.node_stats.add(node_name="fc:MatMul", op_end_rel_micros=50)
    stats.dev_stats.add(device="/device:GPU:0/memcpy").node_stats.add(node_name="x", op_end_rel_micros=70)

    times = op_times_s(stats)
    assert times == pytest.approx({("Conv2D", "A"): 300e-6, ("Relu", "C"): 4e-6, ("MatMul", "B"): 50e-6})
