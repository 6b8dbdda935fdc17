"""What a cached artifact is matched on: the translation models' source includes their layer code, whose graph
is built by this checkout (core.models.nmt) rather than read from the weights file, so a changed decoder is
compressed again instead of reusing an artifact made by the old one."""

from __future__ import annotations

import pytest

from core.runspec import RunSpec
from core.spec import CompressionSpec
from core.worker import compress_stage


def _source(model: str, weights: str | None = None) -> dict:
    spec = RunSpec(model, CompressionSpec.parse("q8"), weights=weights)
    return compress_stage._source(spec, "3.0", "2.21")


@pytest.mark.parametrize("weights", [None, "random"])
def test_a_changed_translation_layer_is_a_different_source(tmp_path, monkeypatch, weights):
    before = _source("nmt-demo" if weights is None else "nmt", weights)
    changed = tmp_path / "nmt.py"
    changed.write_text(compress_stage.NMT_CODE.read_text() + "\n# a changed decoder\n")
    monkeypatch.setattr(compress_stage, "NMT_CODE", changed)
    after = _source("nmt-demo" if weights is None else "nmt", weights)
    assert len(before["code_sha256"]) == 64 and after["code_sha256"] != before["code_sha256"]
    assert {k: v for k, v in after.items() if k != "code_sha256"} == {
        k: v for k, v in before.items() if k != "code_sha256"
    }


def test_models_from_standard_layers_are_matched_on_their_weights_alone():
    assert "code_sha256" not in _source("digits-cnn")
