"""The three TFLite forms of the demo model: each converts, loads under LiteRT, runs and keeps its accuracy.

One module-scoped fixture converts digits-cnn once per form (about a second each), shared by every test here.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

pytest.importorskip("tensorflow")

from core.compress.pipeline import StepSamples, artifact_path, compress_model  # noqa: E402
from core.compress.tflite import Calibration, TfliteError, convert  # noqa: E402
from core.data import load_eval_set  # noqa: E402
from core.data.digits import load_digits_split  # noqa: E402
from core.data.stage_samples import calibration_samples  # noqa: E402
from core.models.builders import load_model  # noqa: E402
from core.runspec import RunOptions  # noqa: E402
from core.samples.evaldata import NO_LABELS_REASON, EvalData  # noqa: E402
from core.spec import CompressionSpec  # noqa: E402
from core.worker import loop  # noqa: E402
from core.worker.tflite_runner import PER_OP_REASON, TfliteModel, run_tflite  # noqa: E402

FORMS = ("fp16", "dyn8", "int8")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    """digits-cnn through the compress pipeline as the float baseline and in each TFLite form, with top-1."""
    out = tmp_path_factory.mktemp("tflite")
    model = load_model("digits-cnn")
    eval_set = load_eval_set("digits-cnn")
    float_top1 = float(np.mean(model.predict(eval_set.x, verbose=0).argmax(1) == eval_set.y))
    baseline = CompressionSpec.parse("baseline")
    base_info, _ = compress_model(model, baseline, artifact_path(out, "digits-cnn", baseline), {})
    paths, infos, blocks, top1 = {}, {}, {}, {}
    int8_samples = StepSamples(calibration=Calibration(*calibration_samples("digits-cnn", (8, 8, 1))))
    for mode in FORMS:
        spec = CompressionSpec.parse(f"tflite:{mode}")
        paths[mode] = artifact_path(out, "digits-cnn", spec)
        infos[mode], found = compress_model(model, spec, paths[mode], {}, samples=int8_samples)
        blocks[mode] = found["tflite"]
        runner = TfliteModel(str(paths[mode]), num_threads=1)
        top1[mode] = float(np.mean(runner.predict(eval_set.x).argmax(1) == eval_set.y))
    return {
        "model": model,
        "eval": eval_set,
        "float_top1": float_top1,
        "baseline_bytes": base_info.size_bytes,
        "paths": paths,
        "infos": infos,
        "blocks": blocks,
        "top1": top1,
    }


@pytest.mark.parametrize("mode", FORMS)
def test_each_form_keeps_accuracy(forms, mode):
    assert forms["top1"][mode] >= 0.90, f"tflite:{mode} top-1 {forms['top1'][mode]:.3f}"
    if mode != "int8":  # weight-only forms: within one point of float (int8 also quantizes activations)
        assert abs(forms["top1"][mode] - forms["float_top1"]) <= 0.01


@pytest.mark.parametrize("mode", FORMS)
def test_the_pipeline_reports_the_file_size_params_and_block(forms, mode):
    info = forms["infos"][mode]
    assert forms["paths"][mode].name == f"digits-cnn-tflite-{mode}.tflite"
    assert info.size_bytes == forms["paths"][mode].stat().st_size
    assert info.params == forms["model"].count_params() == 151_306
    block = forms["blocks"][mode]
    assert block["mode"] == mode
    assert block["io_dtype"] == "float32"
    if mode == "int8":
        assert block["calibration"] == {"samples": 256, "source": "digits-train (256 of 1347)"}
    else:
        assert block["calibration"] is None


def test_sizes_order_fp16_above_int8_forms_below_float(forms):
    size = {m: forms["paths"][m].stat().st_size for m in FORMS}
    assert forms["baseline_bytes"] > size["fp16"] > size["dyn8"]
    assert size["fp16"] > size["int8"]
    assert abs(size["dyn8"] - size["int8"]) < 0.1 * size["int8"]  # both hold int8 weights
    assert size["fp16"] < 0.6 * forms["baseline_bytes"]  # 2 bytes a weight against 4
    assert size["int8"] < 0.35 * forms["baseline_bytes"]  # 1 byte a weight against 4


@pytest.mark.parametrize(("mode", "dtype"), [("fp16", np.float16), ("dyn8", np.int8), ("int8", np.int8)])
def test_weights_are_stored_in_the_forms_type(forms, mode, dtype):
    runner = TfliteModel(str(forms["paths"][mode]), num_threads=1)
    kernels = [
        t for t in runner.interpreter.get_tensor_details() if len(t["shape"]) >= 2 and t["dtype"] == dtype
    ]
    stored = sum(int(np.prod(t["shape"])) for t in kernels)
    assert stored >= 150_000, f"only {stored} weights are {np.dtype(dtype).name} in tflite:{mode}"


def test_full_int8_runs_integer_activations(forms):
    """Full-integer: every conv/FC output is int8, with float32 only at the model's input and output."""
    runner = TfliteModel(str(forms["paths"]["int8"]), num_threads=1)
    ops = runner.interpreter._get_ops_details()
    details = {t["index"]: t for t in runner.interpreter.get_tensor_details()}
    compute = [op for op in ops if op["op_name"] in ("CONV_2D", "FULLY_CONNECTED")]
    assert len(compute) == 4
    assert all(details[op["outputs"][0]]["dtype"] == np.int8 for op in compute)


def test_calibration_comes_from_the_training_split_only():
    split = load_digits_split()
    calibration = Calibration(*calibration_samples("digits-cnn", (8, 8, 1), n=64))
    assert calibration.x.shape == (64, 8, 8, 1)
    train_rows = {row.tobytes() for row in split.x_train}
    test_only = {row.tobytes() for row in split.x_test} - train_rows
    assert all(row.tobytes() in train_rows for row in calibration.x)
    assert not any(row.tobytes() in test_only for row in calibration.x)


def test_bad_forms_say_why(forms):
    with pytest.raises(TfliteError, match="unknown TFLite form"):
        convert(forms["model"], "int4")
    with pytest.raises(TfliteError, match="needs calibration samples"):
        convert(forms["model"], "int8", None)


def test_run_stage_reports_latency_null_ops_with_reason_and_accuracy(forms, monkeypatch):
    monkeypatch.setattr(loop, "WARMUP_MIN_S", 0.0)
    events = []
    options = RunOptions(min_iters=5, max_iters=20, max_seconds=1.0, min_seconds=0.0, warmup_iters=2)
    run_tflite(
        str(forms["paths"]["dyn8"]),
        forms["eval"],
        options,
        lambda kind, **fields: events.append({"type": kind, **fields}),
        lambda name: events.append({"type": "phase", "name": name}),
        "tflite:dyn8",
        num_threads=1,
    )
    by_type = {e["type"]: e for e in events}
    assert [e["name"] for e in events if e["type"] == "phase"] == ["warmup", "timing", "evaluating"]
    assert by_type["latency"]["num_threads"] == 1
    litert = importlib.util.find_spec("ai_edge_litert") is not None
    assert by_type["latency"]["runtime"] == "tflite"
    assert by_type["latency"]["interpreter"].startswith("ai-edge-litert" if litert else "tf.lite.Interpreter")
    assert 5 <= by_type["latency"]["n"] <= 20
    ops = by_type["ops"]
    assert ops["by_class"] is None and ops["by_type"] is None and ops["reason"] == PER_OP_REASON
    assert by_type["eval"]["top1"] == pytest.approx(forms["top1"]["dyn8"])
    assert by_type["eval"]["n_samples"] == len(forms["eval"].y)


def test_a_null_ops_block_is_valid_only_with_its_reason():
    data = json.loads((ROOT / "tests/app/fixtures/result_q8.json").read_text())
    schema = json.loads((ROOT / "assets/result.schema.json").read_text())
    run = data["runs"][-1]
    run["ops"] = {"passes": 0, "total_s": None, "by_type": None, "by_class": None, "reason": PER_OP_REASON}
    jsonschema.validate(data, schema)
    broken = copy.deepcopy(data)
    del broken["runs"][-1]["ops"]["reason"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_per_op_panel_shows_the_reason_instead_of_bars():
    from tui.widgets.ops import OpsPanel

    panel = OpsPanel()
    null_ops = {"passes": 0, "total_s": None, "by_type": None, "by_class": None, "reason": PER_OP_REASON}
    panel.show_ops({"tflite:int8": null_ops}, "tflite:int8")
    assert panel.content.plain == f"tflite:int8: {PER_OP_REASON}"


@pytest.mark.skipif(
    importlib.util.find_spec("ai_edge_litert") is None, reason="ai-edge-litert is not installed"
)
def test_the_run_side_never_imports_tensorflow(forms):
    """With LiteRT the run process's memory is the interpreter's own, not TensorFlow's (~0.5 GB more RSS)."""
    code = (
        "import sys, numpy as np\n"
        "from core.worker.tflite_runner import TfliteModel\n"
        f"TfliteModel({str(forms['paths']['int8'])!r}, 1).predict(np.zeros((3, 8, 8, 1), np.float32))\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_samples_without_labels_give_a_null_accuracy_with_the_reason(forms, monkeypatch):
    monkeypatch.setattr(loop, "WARMUP_MIN_S", 0.0)
    events = []
    options = RunOptions(min_iters=2, max_iters=3, max_seconds=1.0, min_seconds=0.0, warmup_iters=1)
    unlabelled = EvalData(forms["eval"].x[:4], None, "synthetic", None)
    run_tflite(str(forms["paths"]["fp16"]), unlabelled, options, lambda kind, **f: events.append((kind, f)),
               lambda name: None, "tflite:fp16", num_threads=1)  # fmt: skip
    evaluation = next(fields for kind, fields in events if kind == "eval")
    assert evaluation["top1"] is None and evaluation["reason"] == NO_LABELS_REASON


def test_magnitude_pruning_before_tflite_puts_the_zeros_in_the_file(tmp_path):
    """`p0.5+tflite:dyn8`: the .tcz codec prunes per tensor, so the TFLite path must zero the Keras weights itself."""
    model = load_model("digits-cnn")
    spec = CompressionSpec.parse("p0.5+tflite:dyn8")
    path = artifact_path(tmp_path, "digits-cnn", spec)
    info, blocks = compress_model(model, spec, path, {})
    assert "pruning" in blocks and blocks["tflite"]["mode"] == "dyn8"
    assert info.nonzero_params < 0.52 * info.params
    runner = TfliteModel(str(path), num_threads=1)
    kernels = [
        runner.interpreter.get_tensor(t["index"])
        for t in runner.interpreter.get_tensor_details()
        if len(t["shape"]) >= 2 and t["dtype"] == np.int8
    ]
    zeros = sum(int(np.count_nonzero(k == 0)) for k in kernels)
    assert zeros >= 0.49 * sum(k.size for k in kernels)
