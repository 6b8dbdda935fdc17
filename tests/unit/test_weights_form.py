"""`auto` weights form (core.artifact.weightsform): constants where their extra copies fit in a quarter of what is
available, variables otherwise or where memory is unknown; an explicit choice is kept, and the estimate follows it."""

from __future__ import annotations

import pytest

from core.artifact.weightsform import CONST_EXTRA_COPIES, choose_weights_form, const_extra_bytes
from core.run.memory_estimate import estimate, estimate_registry_model
from core.spec import CompressionSpec

GIB = 2**30


@pytest.mark.parametrize(
    ("weight_bytes", "available", "form"),
    [
        (100 * 2**20, 22 * GIB, "const"),  # ResNet50-sized floats on this machine
        (528 * 2**20, 6 * GIB, "variables"),  # VGG16 floats on a TX2 with JetPack beside
        (100 * 2**20, 6 * GIB, "const"),  # 1.2 GB of copies: within a quarter of 6 GB
        (0, None, "variables"),  # MemAvailable unreadable: the lean form
    ],
)
def test_auto_takes_constants_only_where_their_copies_fit(
    weight_bytes: int, available: int | None, form: str
):
    chosen, why = choose_weights_form("auto", weight_bytes, available)
    assert chosen == form
    assert why.startswith("auto")


def test_the_quarter_is_the_boundary():
    weight_bytes = 2**20
    available = 4 * const_extra_bytes(weight_bytes)
    assert choose_weights_form("auto", weight_bytes, available)[0] == "const"
    assert choose_weights_form("auto", weight_bytes, available - 1)[0] == "variables"


def test_an_explicit_form_is_kept_whatever_the_memory():
    assert choose_weights_form("const", 10 * GIB, GIB) == ("const", "asked for (--weights-form const)")
    assert choose_weights_form("variables", 1, 100 * GIB)[0] == "variables"


def test_the_estimate_adds_the_constants_copies_where_the_worker_would_take_them():
    spec = CompressionSpec()
    params = 25_000_000  # 100 MB of floats
    lean = estimate(params, spec, available_bytes=None)
    const = estimate(params, spec, available_bytes=64 * GIB)
    assert (lean.weights_form, const.weights_form) == ("variables", "const")
    assert const.run_peak_bytes - lean.run_peak_bytes == int(CONST_EXTRA_COPIES * 4 * params)
    assert "weights as constants" in const.describe()
    q8 = estimate(params, CompressionSpec.parse("q8"), available_bytes=64 * GIB)
    assert q8.const_extra_bytes == int(CONST_EXTRA_COPIES * params)  # integer codes: one byte each
    tflite = estimate(params, CompressionSpec.parse("tflite:int8"), available_bytes=64 * GIB)
    assert tflite.const_extra_bytes == 0


def test_vgg16_on_a_tx2_gets_the_lean_form():
    tx2 = estimate_registry_model("vgg16", CompressionSpec(), eval_limit=8, available_bytes=6 * GIB)
    assert tx2.weights_form == "variables"
    assert tx2.run_peak_bytes < 2 * GIB
