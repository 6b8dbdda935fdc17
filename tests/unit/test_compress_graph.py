"""The run stage's graph: run-time de-quantization keeps integer weights and de-quantize ops that TensorFlow does
not fold away (and the per-op trace sees them as class F), each ordered after the previous layer; de-quantization
at load gives plain float variables; both forms compute the same outputs.

One small CNN (conv, depthwise conv, batch norm, dense), frozen once, with one artifact per setting, shared by the
module: TensorFlow's import and graph building dominate the time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from tensorflow.core.framework import types_pb2  # noqa: E402

from core.artifact import graph_build  # noqa: E402
from core.artifact.graph_build import SESSION_OPTIONS, build_graph, open_session  # noqa: E402
from core.compress.freeze import freeze_model  # noqa: E402
from core.compress.writer import save_artifact  # noqa: E402
from core.measure.profile import trace_session  # noqa: E402

SPECS = ("baseline", "q8", "q8:load", "q8:ch", "q8:load:ch", "q16", "q8+p0.25", "q8:load+p0.25", "q4:ch")
KERNELS = 4  # conv, depthwise, two dense


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.DepthwiseConv2D(3, padding="same"),
            keras.layers.BatchNormalization(
                beta_initializer="random_normal", moving_mean_initializer="random_normal"
            ),
            keras.layers.ReLU(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).random((16, 8, 8, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def artifacts(model: keras.Model, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("graphs")
    graph_def, inputs, outputs = freeze_model(model)
    raw = graph_def.SerializeToString()
    paths = {}
    for text in SPECS:
        copy = tf.compat.v1.GraphDef()
        copy.ParseFromString(raw)
        paths[text] = save_artifact(copy, inputs, outputs, text, folder / f"{text}.tcz").path
    return paths


class Run:
    """One artifact's graph in a session with the run stage's options: its GraphDef, outputs and one trace."""

    def __init__(self, path: str, x: np.ndarray, config: Any = None, weights_form: str = "variables") -> None:
        built = build_graph(path, weights_form)
        self.graph_def = built.graph_def
        self.counts = built.counts
        ops = {n.name: n.op for n in built.graph_def.node}
        with open_session(built, tf, config) as sess:
            self.y = sess.run(built.outputs[0], {built.inputs[0]: x})
            *_, self.profile = trace_session(sess, built.outputs, {built.inputs[0]: x[:1]}, 2, ops)

    def nodes(self, op: str) -> list[Any]:
        return [n for n in self.graph_def.node if n.op == op]

    def weights_of(self, dtype: int) -> list[Any]:
        """The weight variables of `dtype` (their handles)."""
        return [n for n in self.nodes("VarHandleOp") if n.attr["dtype"].type == dtype]


@pytest.fixture(scope="module")
def runs(artifacts: dict[str, str], x: np.ndarray) -> dict[str, Run]:
    return {text: Run(path, x) for text, path in artifacts.items()}


def test_runtime_graph_holds_integer_weights_and_dequantize_ops(runs: dict[str, Run]) -> None:
    q8 = runs["q8"]
    assert len(q8.weights_of(types_pb2.DT_UINT8)) == KERNELS
    assert len(q8.nodes("Dequantize")) == KERNELS
    assert all(n.name.endswith("/dequantize/Dequantize") for n in q8.nodes("Dequantize"))
    inference_ops = {n.op for n in q8.graph_def.node if "/dequantize/" in n.name and "/init/" not in n.name}
    assert inference_ops == {"VarHandleOp", "ReadVariableOp", "Bitcast", "Const", "Dequantize"}  # no copies
    assert q8.counts["integer_bytes"] == sum(
        int(np.prod([d.size for d in n.attr["shape"].shape.dim])) for n in q8.weights_of(types_pb2.DT_UINT8)
    )  # one byte a weight stays resident, not four
    assert len(runs["q16"].weights_of(types_pb2.DT_UINT16)) == KERNELS
    assert len(runs["q8:ch"].nodes("Dequantize")) == KERNELS and runs["q8:ch"].nodes("Mul")


def test_each_dequantize_waits_for_the_layer_before_its_own(runs: dict[str, Run]) -> None:
    """Read from the graph: a Dequantize's control inputs are the other data inputs of its weight's consumer, so it
    runs just before that layer; only the first layer's (it reads the graph's input) runs unordered."""
    for text in ("q8", "q8:ch", "q16"):
        run = runs[text]
        by_name = {n.name: n for n in run.graph_def.node}
        ordered = 0
        for dequantize in run.nodes("Dequantize"):
            path = [dequantize.name.rsplit("/dequantize/", 1)[0]]
            while len(path) < 5:  # through the frozen graph's Identity/Cast steps to the layer
                (user,) = [n for n in run.graph_def.node if path[-1] in n.input]
                path.append(user.name)
                if user.op in ("Conv2D", "DepthwiseConv2dNative", "MatMul"):
                    break
            layer = by_name[path[-1]]
            controls = [i[1:] for i in dequantize.input if i.startswith("^")]
            others = {i.split(":")[0] for i in layer.input} - set(path)
            assert controls and set(controls) <= others or all(by_name[o].op == "Placeholder" for o in others)
            ordered += bool(controls)
        assert ordered == run.counts["dequantize_ordered"] == KERNELS - 1, text
        assert run.counts["dequant_float_peak_bytes"] == 4 * max(
            int(np.prod([d.size for d in n.attr["shape"].shape.dim])) for n in run.nodes("VarHandleOp")
        )


def test_load_graph_has_no_integer_weights_or_dequantize(runs: dict[str, Run]) -> None:
    for text in ("baseline", "q8:load", "q8:load:ch"):
        run = runs[text]
        assert not run.nodes("Dequantize")
        assert not run.weights_of(types_pb2.DT_UINT8) and not run.weights_of(types_pb2.DT_UINT16)
        assert run.counts["integer_weights"] == 0


def test_dequantize_survives_the_optimizers_and_is_traced_as_class_f(runs: dict[str, Run]) -> None:
    for text in ("q8", "q8:ch", "q16"):
        profile = runs[text].profile
        assert profile.by_type.get("Dequantize", 0) > 0, text
        assert profile.by_class["F"] > 0, text
    for text in ("baseline", "q8:load"):
        assert runs[text].profile.by_class["F"] == 0, text


def test_codes_in_variables_survive_even_the_default_options(
    artifacts: dict[str, str], x: np.ndarray
) -> None:
    """Integer codes live in variables, not constants, so not even TensorFlow's default constant folding turns the
    run-time form back into float weights (the runner still switches folding off for every variant alike)."""
    default = Run(artifacts["q8"], x, config=tf.compat.v1.ConfigProto())
    assert default.profile.by_class["F"] > 0
    assert SESSION_OPTIONS["grappler_constant_folding"] == "OFF"
    assert SESSION_OPTIONS["graph_optimizer_opt_level"] == "L0"


@pytest.mark.parametrize(
    ("runtime", "load"), [("q8", "q8:load"), ("q8:ch", "q8:load:ch"), ("q8+p0.25", "q8:load+p0.25")]
)
def test_runtime_and_load_forms_agree(runs: dict[str, Run], runtime: str, load: str) -> None:
    scale = float(np.abs(runs[load].y).max())
    np.testing.assert_allclose(runs[runtime].y, runs[load].y, rtol=0, atol=1e-5 * scale)


def test_baseline_graph_computes_the_keras_model(
    runs: dict[str, Run], model: keras.Model, x: np.ndarray
) -> None:
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(
        runs["baseline"].y, expected, rtol=0, atol=1e-5 * float(np.abs(expected).max())
    )


def test_per_channel_is_closer_to_the_baseline(runs: dict[str, Run]) -> None:
    base = runs["baseline"].y
    assert np.abs(runs["q8:ch"].y - base).max() <= np.abs(runs["q8"].y - base).max()
    assert (
        np.abs(runs["q4:ch"].y - base).max() > np.abs(runs["q8:ch"].y - base).max()
    )  # fewer bits, more error


@pytest.mark.parametrize("text", ["baseline", "q8:load:ch", "q8:load+p0.25"])
def test_weights_filled_in_slices_compute_the_same(
    runs: dict[str, Run], artifacts: dict[str, str], x: np.ndarray, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Float weights larger than CHUNK_BYTES reach their variable slice by slice (no whole float copy beside it)."""
    monkeypatch.setattr(graph_build, "CHUNK_BYTES", 256)
    sliced = Run(artifacts[text], x)
    assert sliced.nodes("StridedSliceAssign")
    np.testing.assert_array_equal(sliced.y, runs[text].y)


@pytest.mark.parametrize("text", ["baseline", "q8", "q8:load:ch", "q8+p0.25", "q16"])
def test_weights_as_constants_compute_the_same_as_in_variables(
    runs: dict[str, Run], artifacts: dict[str, str], x: np.ndarray, text: str
) -> None:
    """The constant form (core.artifact.weightsform: oneDNN caches constant filters) holds every weight in the graph
    itself, no variable at all, run-time codes stay integer constants, and the outputs match the variable form."""
    const = Run(artifacts[text], x, weights_form="const")
    assert not const.nodes("VarHandleOp") and not const.nodes("VariableV2")
    codes = [n for n in const.nodes("Const") if n.name.endswith("/codes/read")]
    integer = {types_pb2.DT_UINT8, types_pb2.DT_UINT16}
    assert len(codes) == (KERNELS if text in ("q8", "q8+p0.25", "q16") else 0)
    assert all(n.attr["dtype"].type in integer for n in codes)
    assert const.counts == runs[text].counts
    scale = float(np.abs(runs[text].y).max())  # oneDNN's cached-filter path rounds differently
    np.testing.assert_allclose(const.y, runs[text].y, rtol=0, atol=1e-5 * scale)


def test_graph_counts_read_as_words_in_the_run_log():
    """The run screen's log printed `graph: {'integer_weights': 0, ..., 'float_bytes': 605224, ...}`."""
    from core.artifact.graph_build import counts_words

    float_only = {"integer_weights": 0, "float_weights": 8, "integer_bytes": 0, "float_bytes": 605224,
                  "dequantize_ops": 0}  # fmt: skip
    assert counts_words(float_only) == "graph: 8 float32 weight tensors (605,224 bytes)"
    runtime = {"integer_weights": 4, "float_weights": 4, "integer_bytes": 151072, "float_bytes": 936,
               "dequantize_ops": 4}  # fmt: skip
    line = counts_words(runtime)
    assert "4 integer weight tensors (151,072 bytes) de-quantized at run time by 4 ops" in line
    assert "{" not in line and "'" not in line
