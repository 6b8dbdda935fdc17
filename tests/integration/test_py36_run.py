"""The TX2's stack end to end: the dashboard's Python compresses, a Python 3.6 + TensorFlow 1.15 (or 2.6) runs.

`tocompress run --model digits-cnn --compress q8 --worker-python <py36 env>/bin/python`: the compress stage runs
here (modern TensorFlow, Keras 3) and writes the artifact; the run stage loads it under Python 3.6, as JetPack 4.6's
stock Python with NVIDIA's TensorFlow would. The env is built by scripts/make_py36_env.py (about 30 s from the
package index) or reused; without a Python 3.6 or the index, the test is skipped with the reason.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.report.result_file import validate_result
from tests.conftest import FAST_RUN_ARGS
from tests.fixtures.py36 import ROOT, py36_python

pytestmark = pytest.mark.integration


def run_q8(python, out, model, *extra):
    """`tocompress run --model MODEL --compress q8` with the run stage under `python`; (process, result)."""
    path = out / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "run", "--model", model, "--compress", "q8", "--worker-python",
         str(python), "--json", str(path), "--workdir", str(out / "runs"), *FAST_RUN_ARGS, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert path.exists(), (
        f"no result file; rc={proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc, json.loads(path.read_text())


@pytest.fixture(scope="module", params=["1.15", "2.6"])
def py36_run(request, tmp_path_factory):
    python = py36_python(request.param)
    proc, data = run_q8(python, tmp_path_factory.mktemp(f"py36-tf{request.param}"), "digits-cnn")
    return {"tf": request.param, "python": str(python), "proc": proc, "data": data}


def test_both_variants_complete_under_python36(py36_run):
    data = py36_run["data"]
    assert py36_run["proc"].returncode == 0, py36_run["proc"].stdout[-3000:]
    validate_result(data)
    assert data["status"] == "complete"
    runs = {r["variant"]: r for r in data["runs"]}
    assert set(runs) == {"baseline", "q8"}
    for run in runs.values():
        assert run["status"] == "complete", run["errors"]
        assert run["worker"]["python"].startswith("3.6.")
        assert run["worker"]["tensorflow"].startswith(py36_run["tf"])
    assert data["environment"]["worker_python"] == py36_run["python"]
    assert any(device.endswith("CPU:0") for device in data["environment"]["devices"])  # a GPU too on a board


def test_q8_is_a_quarter_of_the_size_measured_traced_and_as_accurate(py36_run):
    runs = {r["variant"]: r for r in py36_run["data"]["runs"]}
    base, q8 = runs["baseline"], runs["q8"]
    assert (
        0.2 * base["model"]["size_bytes"] <= q8["model"]["size_bytes"] <= 0.27 * base["model"]["size_bytes"]
    )
    for run in (base, q8):
        assert run["latency"]["n"] >= 20 and run["latency"]["mean_s"] > 0
        assert run["ops"]["by_class"]["A"] > 0  # the convolutions were traced under TF 1.15 too
    assert q8["ops"]["by_class"]["F"] > 0  # run-time de-quantization executed on every inference
    assert base["ops"]["by_class"]["F"] == 0
    assert base["accuracy"]["top1"] >= 0.95
    assert abs(q8["accuracy"]["top1"] - base["accuracy"]["top1"]) <= 0.01
    assert q8["ops"]["devices"]["op_devices"]["Dequantize"] == ["CPU:0"]


NMT_EVAL_LIMIT = 8


@pytest.fixture(scope="module")
def nmt_py36_run(tmp_path_factory):
    """The demo translator's run stage under Python 3.6 + TF 1.15: one baseline and one q8 worker, no paired stage."""
    out = tmp_path_factory.mktemp("nmt-py36")
    return run_q8(py36_python("1.15"), out, "nmt-demo", "--eval-limit", str(NMT_EVAL_LIMIT), "--no-paired")


def test_the_demo_translator_decodes_under_tf115_as_under_this_tensorflow(nmt_py36_run):
    """The greedy decoder's loop ran to the end under TF 1.15 (it once failed on its first output write) and its
    sentences are the ones this machine's TensorFlow decodes from the same shipped weights."""
    from core.data.translation import translation_eval_data
    from core.models.builders import load_model
    from core.samples.vocab import Vocab

    proc, data = nmt_py36_run
    assert proc.returncode == 0, proc.stdout[-3000:]
    validate_result(data)
    runs = {r["variant"]: r for r in data["runs"]}
    assert set(runs) == {"baseline", "q8"}
    evaluation = translation_eval_data("nmt-demo", limit=NMT_EVAL_LIMIT)
    vocab = Vocab(list(evaluation.vocab))
    for run in runs.values():
        assert run["status"] == "complete", run["errors"]
        assert run["worker"]["tensorflow"].startswith("1.15")
        assert run["ops"]["by_class"]["G"] > 0  # the decoder's loop, traced under TF 1.15
        acc = run["accuracy"]
        assert acc["task"] == "translation" and acc["n_samples"] == NMT_EVAL_LIMIT
        if acc["bleu"] is None:  # sacrebleu is not in the TX2-like env: null with why, never 0
            assert "sacrebleu" in acc["reason"]
        else:
            assert acc["bleu"] >= 90.0
    examples = runs["baseline"]["accuracy"]["examples"]
    ids = load_model("nmt-demo").predict(evaluation.x[: len(examples)], verbose=0)
    expected = [vocab.decode(row) for row in ids]
    assert [e["hypothesis"] for e in examples] == expected
    assert [e["hypothesis"] for e in runs["q8"]["accuracy"]["examples"]] == expected  # q8 keeps these exact
    assert expected == [e["reference"] for e in examples]
