"""The models tocompress knows: the shipped demo CNN and the paper's Table I, with where each one's weights come from.

TensorFlow-free on purpose: the dashboard lists models and says which can run here without paying TF's import.
Pretrained ImageNet weights cannot be downloaded on an offline board, so a Keras-application model is available
only when its weights file is already on disk, and `availability` says which file to put where.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError
from core.paths import assets_dir

DIGITS_CNN = "digits-cnn"
DIGITS_CNN_FILE = ("models", "digits-cnn.keras")
WEIGHTS_DIR_ENV = "TOCOMPRESS_WEIGHTS_DIR"


class UnknownModelError(UserError, ValueError, KeyError):
    """A model name that is not in the registry; the message lists the known names."""

    # KeyError would quote the message; keep ValueError's plain one-line str().
    __str__ = ValueError.__str__


class ModelUnavailableError(UserError, RuntimeError):
    """A known model that cannot be loaded on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class ModelInfo:
    """One model: what it is, its size, its input, and where its weights come from.

    `params` is the exact count of the model built here, or the paper's figure for models without a builder
    (None where no reliable figure is known). `keras_app` and `weights_file` name the keras.applications
    constructor and its pretrained weights file, for the models built that way.
    """

    name: str
    family: str  # "CNN" or "RNN"
    params: int | None
    input_shape: tuple[int | None, ...]
    task: str  # "classification" or "translation"
    weights_source: str
    paper_row: bool
    dataset: str | None = None  # default evaluation set, None where none ships
    keras_app: str | None = None
    weights_file: str | None = None


_NO_BUILDER = "none: no builder in this version"


def _keras_app(name: str, params: int, side: int, keras_app: str, weights_file: str) -> ModelInfo:
    return ModelInfo(
        name=name,
        family="CNN",
        params=params,
        input_shape=(side, side, 3),
        task="classification",
        weights_source=f"local file ~/.keras/models/{weights_file}",
        paper_row=True,
        keras_app=keras_app,
        weights_file=weights_file,
    )


def _unbuilt(
    name: str, family: str, params: int | None, input_shape: tuple[int | None, ...], task: str
) -> ModelInfo:
    return ModelInfo(name, family, params, input_shape, task, weights_source=_NO_BUILDER, paper_row=True)


_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        name=DIGITS_CNN,
        family="CNN",
        params=151_306,
        input_shape=(8, 8, 1),
        task="classification",
        weights_source="shipped: assets/models/digits-cnn.keras",
        paper_row=False,
        dataset="digits-test",
    ),
    _unbuilt("inception-v1", "CNN", None, (224, 224, 3), "classification"),
    _unbuilt("inception-v2", "CNN", None, (224, 224, 3), "classification"),
    _keras_app(
        "inception-v3", 23_851_784, 299, "InceptionV3", "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
    ),
    _unbuilt("inception-v4", "CNN", None, (299, 299, 3), "classification"),
    _keras_app("resnet50", 25_636_712, 224, "ResNet50", "resnet50_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("resnet101", 44_707_176, 224, "ResNet101", "resnet101_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("resnet152", 60_419_944, 224, "ResNet152", "resnet152_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("vgg16", 138_357_544, 224, "VGG16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("vgg19", 143_667_240, 224, "VGG19", "vgg19_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("mobilenet", 4_253_864, 224, "MobileNet", "mobilenet_1_0_224_tf.h5"),
    _unbuilt("nmt", "RNN", 211_000_000, (None,), "translation"),  # the paper's figure; input: token ids
)

_ALIASES = {"googlenet": "inception-v1", "mobilenetv1": "mobilenet"}


def _key(name: str) -> str:
    """Fold case and separators so "ResNet-50", "resnet_50" and "resnet50" name the same model."""
    return re.sub(r"[\s_\-.]", "", name.lower())


_BY_KEY: dict[str, ModelInfo] = {_key(m.name): m for m in _MODELS}
_BY_KEY.update({alias: _BY_KEY[_key(target)] for alias, target in _ALIASES.items()})


def list_models() -> list[ModelInfo]:
    """All known models: the demo digits-cnn first, then the paper's Table I in its order."""
    return list(_MODELS)


def get_model_info(name: str) -> ModelInfo:
    """Look a model up by name, ignoring case and separators; raise UnknownModelError listing the known names."""
    info = _BY_KEY.get(_key(str(name)))
    if info is None:
        known = ", ".join(m.name for m in _MODELS)
        raise UnknownModelError(f"unknown model {name!r}; choose one of: {known}")
    return info


def weights_dirs() -> list[Path]:
    """Folders searched for pretrained weights, in order: $TOCOMPRESS_WEIGHTS_DIR, then Keras's own cache."""
    dirs = []
    override = os.environ.get(WEIGHTS_DIR_ENV)
    if override:
        dirs.append(Path(override).expanduser())
    keras_home = os.environ.get("KERAS_HOME")
    dirs.append((Path(keras_home).expanduser() if keras_home else Path.home() / ".keras") / "models")
    return dirs


def find_weights(info: ModelInfo) -> Path | None:
    """The first existing copy of this model's pretrained weights file, or None."""
    if info.weights_file is None:
        return None
    return next((d / info.weights_file for d in weights_dirs() if (d / info.weights_file).is_file()), None)


def availability(info: ModelInfo) -> tuple[bool, str]:
    """Whether this model can be loaded here, and a one-line reason that says what to do when it cannot."""
    if info.name == DIGITS_CNN:
        path = assets_dir().joinpath(*DIGITS_CNN_FILE)
        if path.is_file():
            return True, f"shipped weights at {path}"
        return False, (
            f"missing {path}: restore it with `git checkout -- assets/` or run `python scripts/train_digits_cnn.py`"
        )
    if info.weights_file is not None:
        found = find_weights(info)
        if found is not None:
            return True, f"pretrained weights at {found}"
        where = " or ".join(str(d) for d in weights_dirs())
        return False, (
            f"no pretrained weights for {info.name} (tocompress never downloads them): "
            f"put {info.weights_file} in {where}, or set ${WEIGHTS_DIR_ENV} to its folder"
        )
    return False, f"{info.name} has no builder in this version (a later release adds it)"
