"""The `weights` block every model event carries: the kind, and the seed or the file with its SHA-256."""

from __future__ import annotations

import hashlib

from core.models.registry import DIGITS_CNN_FILE
from core.paths import assets_dir
from core.runspec import RunSpec
from core.spec import CompressionSpec
from core.worker.compress_stage import weights_block


def test_random_weights_record_their_seed():
    spec = RunSpec("vgg16", CompressionSpec.parse("q8"), weights="random")
    assert weights_block(spec) == {"kind": "random", "seed": 0}


def test_pretrained_weights_record_file_and_hash():
    path = assets_dir().joinpath(*DIGITS_CNN_FILE)
    block = weights_block(RunSpec("digits-cnn", CompressionSpec.parse("q8")))
    assert block == {
        "kind": "pretrained",
        "file": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
