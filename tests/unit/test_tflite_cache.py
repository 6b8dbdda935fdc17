"""A `.tflite` artifact is reused like a `.tcz` one: same setting and source -> `"cached": true`, anything else or
a changed flatbuffer -> made again."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("tensorflow")

from core.compress.tflite_cache import read_tflite_record, sidecar_path  # noqa: E402
from core.runspec import RunOptions, RunSpec  # noqa: E402
from core.spec import CompressionSpec  # noqa: E402
from core.worker.compress_stage import compress_stage  # noqa: E402

SETTING = "tflite:dyn8"


def _stage(workdir, setting=SETTING):
    """Run the compress stage in this process; its `model` event."""
    spec = RunSpec(
        "digits-cnn", CompressionSpec.parse(setting), RunOptions(eval_limit=16), workdir=str(workdir)
    )
    events = []
    path = compress_stage(spec.to_json(), lambda kind, **f: events.append((kind, f)), lambda name: None)
    (model,) = [f for kind, f in events if kind == "model"]
    return path, model


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tflite-cache")
    path, model = _stage(workdir)
    return workdir, path, model


def test_the_first_run_converts_and_records_the_setting_beside_the_file(first):
    _, path, model = first
    assert model["cached"] is False and path.endswith("digits-cnn-tflite-dyn8.tflite")
    record = json.loads(sidecar_path(path).read_text())
    assert record["spec"] == SETTING and record["source"]["model"] == "digits-cnn"
    assert record["blocks"]["tflite"] == model["tflite"] and record["params"] == model["params"] == 151_306


def test_the_same_setting_and_source_reuse_the_file_with_the_same_model_event(first):
    workdir, path, model = first
    mtime = (workdir / path.split("/")[-1]).stat().st_mtime_ns
    again_path, again = _stage(workdir)
    assert again_path == path and again["cached"] is True
    assert (workdir / path.split("/")[-1]).stat().st_mtime_ns == mtime  # not converted again
    for key in ("params", "nonzero_params", "size_bytes", "artifact", "tflite", "weights"):
        assert again[key] == model[key], key


def test_a_changed_flatbuffer_or_source_is_not_trusted(first, tmp_path):
    _, path, _ = first
    copy = tmp_path / "digits-cnn-tflite-dyn8.tflite"
    copy.write_bytes(open(path, "rb").read())
    sidecar_path(copy).write_text(sidecar_path(path).read_text())
    assert read_tflite_record(copy)["spec"] == SETTING
    record = json.loads(sidecar_path(copy).read_text())
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF  # same size, different bytes
    copy.write_bytes(bytes(data))
    assert read_tflite_record(copy) is None
    copy.write_bytes(open(path, "rb").read())
    sidecar_path(copy).write_text(json.dumps(dict(record, sidecar_version=0)))
    assert read_tflite_record(copy) is None
    sidecar_path(copy).unlink()
    assert read_tflite_record(copy) is None


def test_a_different_source_makes_it_again(first, monkeypatch):
    import core.worker.compress_stage as stage

    workdir, _, _ = first
    real = stage._source
    monkeypatch.setattr(stage, "_source", lambda *a: dict(real(*a), keras="0.0"))
    _, model = _stage(workdir)
    assert model["cached"] is False
