"""A GraphDef frozen by this machine's TensorFlow 2.x, stripped of default attributes, runs under Python 3.6 + TF 1.15.

Builds (or reuses) the TX2-like env with scripts/make_py36_env.py; skipped with the reason where it cannot exist.
"""

from __future__ import annotations

import subprocess
import textwrap

import numpy as np
import pytest

from tests.fixtures.py36 import ROOT, py36_python

tf = pytest.importorskip("tensorflow")

from core.artifact.graphcompat import strip_default_attrs  # noqa: E402
from tests.fixtures.graphs import frozen_digits_cnn, run_graph  # noqa: E402

pytestmark = pytest.mark.integration

# Runs under the env's Python 3.6: imports graphcompat from this checkout, so its 3.6-compatibility is tested too.
_RUNNER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import tensorflow as tf
    from core.artifact.graphcompat import drop_unknown_attrs

    folder, input_name, output_name = sys.argv[1:4]
    graph_def = tf.compat.v1.GraphDef()
    with open(folder + "/graph.pb", "rb") as f:
        graph_def.ParseFromString(f.read())
    print("dropped", drop_unknown_attrs(graph_def))
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        y = sess.run(output_name, {input_name: np.load(folder + "/x.npy")})
    np.save(folder + "/y.npy", y)
    print("tensorflow", tf.__version__, "python", sys.version.split()[0])
    """
)


def _run_under_py36(python, folder, graph_def, inputs, outputs, script=_RUNNER):
    (folder / "graph.pb").write_bytes(graph_def.SerializeToString())
    return subprocess.run(
        [str(python), "-c", script, str(folder), inputs[0], outputs[0]],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_stripped_graph_runs_under_tf115_with_tf2_outputs(tmp_path):
    python = py36_python("1.15")
    graph_def, inputs, outputs = frozen_digits_cnn()
    x = np.random.default_rng(1).random((16, 8, 8, 1), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    expected = run_graph(graph_def, inputs, outputs, x)

    # The failure this module exists for, as TF 1.15 reports it, so the test can tell the two apart.
    as_frozen = _run_under_py36(
        python, tmp_path, graph_def, inputs, outputs, _RUNNER.replace("drop_unknown_attrs(graph_def)", "[]")
    )
    assert as_frozen.returncode != 0 and "explicit_paddings" in as_frozen.stderr

    strip_default_attrs(graph_def)
    proc = _run_under_py36(python, tmp_path, graph_def, inputs, outputs)

    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "tensorflow 1.15" in proc.stdout and "python 3.6" in proc.stdout
    assert "dropped []" in proc.stdout  # stripping alone was enough: nothing non-default was new to TF 1.15
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-5, rtol=0)
