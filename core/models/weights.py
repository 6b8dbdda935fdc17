"""Pretrained weights files: their published names, where they come from, their hashes, and where they are found.

TensorFlow-free, so the dashboard can say which files are present and `tocompress fetch` knows what to download.
Keras publishes MD5 digests for its application weights (keras/src/applications/*.py, `file_hash=`), not SHA-256,
and none for MobileNet: a file is checked against what is published, and a file without a published digest is
checked by its shapes when it loads. Nothing here downloads; `core.models.fetch` does, when the user asks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.atomic import file_digest
from core.errors import UserError

WEIGHTS_DIR_ENV = "TOCOMPRESS_WEIGHTS_DIR"
KERAS_BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
SLIM_BASE_URL = "http://download.tensorflow.org/models/"


class WeightsError(UserError, RuntimeError):
    """A weights file that is missing, damaged or for another model; the message names the file and the fix."""


@dataclass(frozen=True)
class WeightsFile:
    """One published weights file: its name on disk, where it is published, and its published digest (if any)."""

    model: str
    file_name: str
    url: str
    digest: str | None  # hex digest as published; None where the publisher gives none
    algorithm: str = "md5"  # "md5" or "sha256"
    kind: str = "keras-h5"  # "keras-h5" (Keras load_weights) or "slim-ckpt" (a TF-slim checkpoint archive)


def _keras(model: str, sub: str, name: str, digest: str | None) -> WeightsFile:
    return WeightsFile(model, name, f"{KERAS_BASE_URL}{sub}/{name}", digest)


def _slim(model: str, archive: str) -> WeightsFile:
    # TF-slim publishes tar.gz archives of one checkpoint, without digests.
    return WeightsFile(model, archive, f"{SLIM_BASE_URL}{archive}", None, "sha256", "slim-ckpt")


# Names, addresses and digests as in keras.applications (keras 3.x) and TF-slim's model zoo README.
PUBLISHED: dict[str, WeightsFile] = {
    w.model: w
    for w in (
        _keras("inception-v3", "inception_v3", "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
               "9a0d58056eeedaa3f26cb7ebd46da564"),
        _keras("resnet50", "resnet", "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
               "2cb95161c43110f7111970584f804107"),
        _keras("resnet101", "resnet", "resnet101_weights_tf_dim_ordering_tf_kernels.h5",
               "f1aeb4b969a6efcfb50fad2f0c20cfc5"),
        _keras("resnet152", "resnet", "resnet152_weights_tf_dim_ordering_tf_kernels.h5",
               "100835be76be38e30d865e96f2aaae62"),
        _keras("vgg16", "vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
               "64373286793e3c8b2b4e3219cbf3544b"),
        _keras("vgg19", "vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
               "cbe5617147190e668d6c5d5026f83318"),
        _keras("mobilenet", "mobilenet", "mobilenet_1_0_224_tf.h5", None),
        _slim("inception-v1", "inception_v1_2016_08_28.tar.gz"),
        _slim("inception-v2", "inception_v2_2016_08_28.tar.gz"),
        _slim("inception-v4", "inception_v4_2016_09_09.tar.gz"),
    )
}  # fmt: skip


def published(model: str) -> WeightsFile | None:
    """The published weights file of a registry model name, or None where there is none."""
    return PUBLISHED.get(model)


def weights_dirs() -> list[Path]:
    """Folders searched for weights files, in order: $TOCOMPRESS_WEIGHTS_DIR, then Keras's own cache."""
    dirs = []
    override = os.environ.get(WEIGHTS_DIR_ENV)
    if override:
        dirs.append(Path(override).expanduser())
    keras_home = os.environ.get("KERAS_HOME")
    dirs.append((Path(keras_home).expanduser() if keras_home else Path.home() / ".keras") / "models")
    return dirs


def cache_dir() -> Path:
    """Where `tocompress fetch` puts files: the first folder searched."""
    return weights_dirs()[0]


def find_file(file_name: str) -> Path | None:
    """The first existing copy of `file_name` in the searched folders, or None."""
    return next((d / file_name for d in weights_dirs() if (d / file_name).is_file()), None)


def missing_message(wf: WeightsFile) -> str:
    """One line: which file is missing, where it is looked for, and the command that gets it."""
    where = " or ".join(str(d) for d in weights_dirs())
    return (
        f"no pretrained weights for {wf.model}: {wf.file_name} is not in {where}; "
        f"get it with `tocompress fetch {wf.model}` (or copy it there), or run with --weights random"
    )


def locate(model: str) -> Path:
    """The path of a model's pretrained file; WeightsError (one line with the fetch command) when absent."""
    wf = published(model)
    if wf is None:
        raise WeightsError(f"{model} has no published pretrained weights file; run it with --weights random")
    found = find_file(wf.file_name)
    if found is None:
        raise WeightsError(missing_message(wf))
    return found


def verify(path: Path, wf: WeightsFile, digest_of: Callable[[Path, str], str] = file_digest) -> None:
    """Raise WeightsError (one line) when the file's digest differs from the published one; no-op without one."""
    if wf.digest is None:
        return
    got = digest_of(path, wf.algorithm)
    if got.lower() != wf.digest.lower():
        raise WeightsError(
            f"{path} is not the published {wf.file_name}: its {wf.algorithm} is {got}, expected {wf.digest}; "
            f"delete it and run `tocompress fetch {wf.model}`"
        )


def shape_mismatch_message(path: Path, model: str, detail: str) -> str:
    """One line for a file whose tensors do not fit the model (another model's file, or a truncated one)."""
    return (
        f"{path} does not fit {model}: {detail}; is it the file for another model? `tocompress fetch {model}`"
    )


def load_pretrained(model: object, model_name: str, wf: WeightsFile | None = None) -> Path:
    """Load a model's published weights file into a built Keras model (hash checked first); the file's path.

    A file whose tensors do not fit (another model's, a truncated one) is one WeightsError line, not Keras's
    traceback. TF-slim checkpoints go through core.models.slim_map instead.
    """
    wf = wf or published(model_name)
    if wf is None:
        raise WeightsError(
            f"{model_name} has no published pretrained weights file; run it with --weights random"
        )
    path = find_file(wf.file_name)
    if path is None:
        raise WeightsError(missing_message(wf))
    verify(path, wf)
    try:
        model.load_weights(str(path))  # type: ignore[attr-defined]
    except (ValueError, KeyError, OSError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise WeightsError(shape_mismatch_message(path, model_name, detail)) from None
    return path
