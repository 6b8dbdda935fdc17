"""The low-memory compress path (lean freezer + chunked codec) writes what the plain path writes: the same tensors,
byte for byte, the same counts, and a graph that computes the same outputs."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from core.artifact.container import payload_slice, read_container  # noqa: E402
from core.artifact.graph_build import build_graph, open_session  # noqa: E402
from core.compress import streamcodec  # noqa: E402
from core.compress.freeze import freeze_model, freeze_model_lean  # noqa: E402
from core.compress.tensorcodec import decode_tensor, encode_tensor  # noqa: E402
from core.compress.writer import read_artifact_header, save_artifact  # noqa: E402
from core.spec import CompressionSpec  # noqa: E402


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.DepthwiseConv2D(3, padding="same"),
            keras.layers.BatchNormalization(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


@pytest.mark.parametrize("text", ["baseline", "q8", "q6", "q3:load", "q8:ch", "q8+p0.5"])
def test_chunked_codec_matches_the_plain_one(text, monkeypatch):
    monkeypatch.setattr(streamcodec, "CHUNK_VALUES", 64)  # several chunks, a partial last one
    spec = CompressionSpec.parse(text)
    w = np.random.default_rng(0).standard_normal((7, 5, 13)).astype(np.float32)
    w[0, 0, :4] = 0.0
    meta, pieces, nonzero = streamcodec.encode_pieces(w, spec)
    plain_meta, plain_payload = encode_tensor(w, spec)
    assert meta == plain_meta and b"".join(pieces) == plain_payload
    assert nonzero == int(np.count_nonzero(decode_tensor(plain_meta, plain_payload)))


@pytest.mark.parametrize("fill", [0.0, 0.5])
def test_constant_tensors_code_as_the_plain_codec_does(fill):
    w, spec = np.full((4, 4), fill, np.float32), CompressionSpec.parse("q8")
    meta, pieces, nonzero = streamcodec.encode_pieces(w, spec)
    assert (meta, b"".join(pieces)) == encode_tensor(w, spec)
    assert nonzero == (16 if fill else 0) and decode_tensor(meta, b"".join(pieces)).max() == fill


@pytest.mark.parametrize("text", ["baseline", "q8", "q8+p0.5", "q8:ch"])  # weights read as read-only views
def test_lean_artifact_equals_plain_artifact(model, tmp_path, text):
    plain_graph, inputs, outputs = freeze_model(model)
    plain = save_artifact(plain_graph, inputs, outputs, text, tmp_path / "plain.tcz")
    lean_graph, lean_inputs, lean_outputs, values = freeze_model_lean(model)
    assert len(values) == len(
        model.weights
    )  # every weight read from its variable, none copied into the graph
    lean = save_artifact(lean_graph, lean_inputs, lean_outputs, text, tmp_path / "lean.tcz", values=values)
    assert (lean.params, lean.nonzero_params) == (plain.params, plain.nonzero_params)
    assert lean.params == model.count_params()
    plain_header, plain_payload = read_container(plain.path)
    lean_header, lean_payload = read_container(lean.path)
    plain_tensors = sorted(bytes(payload_slice(plain_payload, e)) for e in plain_header["tensors"])
    lean_tensors = sorted(bytes(payload_slice(lean_payload, e)) for e in lean_header["tensors"])
    assert lean_tensors == plain_tensors
    assert read_artifact_header(lean.path)["params"] == model.count_params()

    x = np.random.default_rng(2).standard_normal((4, 8, 8, 3)).astype(np.float32)
    results = []
    for path in (plain.path, lean.path):
        built = build_graph(path)
        with open_session(built, tf) as sess:
            results.append(sess.run(built.outputs[0], {built.inputs[0]: x}))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)
    if text == "baseline":
        np.testing.assert_allclose(results[1], model(x, training=False).numpy(), rtol=1e-4, atol=1e-5)


class _Scale(keras.layers.Layer):
    """One scalar weight: a blank constant the writer's table does not take, so it must go back into the graph."""

    def build(self, input_shape):
        self.factor = self.add_weight(shape=(), initializer=keras.initializers.Constant(1.5), name="factor")

    def call(self, x):
        return x * self.factor


@pytest.fixture(scope="module")
def rnn_model() -> keras.Model:
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [keras.Input((6, 3)), keras.layers.LSTM(5), keras.layers.Dense(4), _Scale()]
    )  # Keras runs the LSTM as a tf.while_loop on the CPU


def test_lean_freeze_of_a_while_loop_keeps_every_weight_out_of_the_graph(rnn_model, tmp_path):
    graph_def, inputs, outputs, values = freeze_model_lean(rnn_model)
    # LSTM kernel, recurrent kernel and bias, Dense kernel and bias, the scalar: none copied into the graph
    assert len(values) == len(rnn_model.weights) == 6
    nodes = {node.name: node for node in graph_def.node}
    for name, variable in values.items():
        tensor = nodes[name].attr["value"].tensor
        assert nodes[name].op == "Const" and not tensor.tensor_content and not tensor.float_val
        assert [d.size for d in tensor.tensor_shape.dim] == list(variable.shape)
    # The same graph as TensorFlow's converter makes, loops lowered to v1 ops for TF 1.15, node for node but for
    # the weights' bytes and internal attributes (its re-import leaves unread unused_control_flow_input placeholders).
    assert not graph_def.library.function
    assert {"Enter", "Exit", "Merge", "Switch", "NextIteration"} <= {node.op for node in graph_def.node}
    reference, ref_inputs, ref_outputs = freeze_model(rnn_model)
    assert (inputs, outputs) == (ref_inputs, ref_outputs)
    assert _meaning(graph_def, values) == _meaning(reference, values)
    assert not any(node.HasField("experimental_debug_info") for node in graph_def.node)

    info = save_artifact(graph_def, inputs, outputs, "baseline", tmp_path / "rnn.tcz", values=values)
    assert info.params == rnn_model.count_params() - 1  # the scalar went back into the graph, not the table
    x = np.random.default_rng(4).standard_normal((3, 6, 3)).astype(np.float32)
    built = build_graph(info.path)
    with open_session(built, tf) as sess:
        frozen = sess.run(built.outputs[0], {built.inputs[0]: x})
    np.testing.assert_allclose(frozen, rnn_model(x, training=False).numpy(), rtol=1e-5, atol=1e-6)


def _meaning(graph_def, weights):
    """Each node's op, inputs and public attributes (a weight's value aside), unread placeholders left out."""
    return {
        node.name: (node.op, list(node.input), sorted(
            (key, value.SerializeToString())
            for key, value in node.attr.items()
            if not key.startswith("_") and not (key == "value" and node.name in weights)
        ))
        for node in graph_def.node
        if not node.name.startswith("unused_control_flow_input")
    }  # fmt: skip
