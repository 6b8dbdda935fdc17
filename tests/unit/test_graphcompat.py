"""Default-attribute stripping: a GraphDef frozen by this TensorFlow keeps its meaning, minus what TF 1.15 rejects."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from core.artifact.graphcompat import drop_unknown_attrs, strip_default_attrs  # noqa: E402
from tests.fixtures.graphs import frozen_digits_cnn, run_graph  # noqa: E402


def test_strip_removes_every_default_and_keeps_the_outputs():
    graph_def, inputs, outputs = frozen_digits_cnn()
    x = np.random.default_rng(0).random((4, 8, 8, 1), dtype=np.float32)
    before = run_graph(graph_def, inputs, outputs, x)
    assert any("explicit_paddings" in n.attr for n in graph_def.node if n.op == "MaxPool")

    removed = strip_default_attrs(graph_def)

    assert removed > 0
    from tensorflow.python.framework import op_def_registry

    for node in graph_def.node:
        for attr in op_def_registry.get(node.op).attr:
            if attr.HasField("default_value") and attr.name in node.attr:
                assert node.attr[attr.name] != attr.default_value, f"{node.name}.{attr.name} is still default"
    conv = next(n for n in graph_def.node if n.op == "Conv2D")
    assert set(conv.attr) >= {"T", "strides", "padding"}  # no default: must stay
    np.testing.assert_array_equal(run_graph(graph_def, inputs, outputs, x), before)


def test_drop_unknown_names_what_it_dropped_and_keeps_internal_attrs():
    graph_def, _, _ = frozen_digits_cnn()
    pool = next(n for n in graph_def.node if n.op == "MaxPool")
    pool.attr["knob_from_the_future"].i = 3
    pool.attr["_internal_hint"].b = True
    known = set(pool.attr) - {"knob_from_the_future", "_internal_hint"}

    assert drop_unknown_attrs(graph_def) == ["MaxPool.knob_from_the_future"]
    assert set(pool.attr) == known | {"_internal_hint"}
    assert drop_unknown_attrs(graph_def) == []
