"""The models tocompress knows: the shipped demo CNN and the paper's Table I, with where each one's weights come from.

TensorFlow-free on purpose: the dashboard lists models and says which can run here without paying TF's import.
Pretrained ImageNet weights cannot be downloaded on an offline board, so pretrained weights are available only
when the file is already on disk, and `availability` says which file to put where. Every model with a builder
also runs with seeded random weights (`weights="random"`): size, latency, memory and per-op time are real then,
accuracy is not measured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError
from core.models.weights import WEIGHTS_DIR_ENV, weights_dirs
from core.paths import assets_dir

DIGITS_CNN = "digits-cnn"
DIGITS_CNN_FILE = ("models", "digits-cnn.keras")
NMT_DEMO = "nmt-demo"  # shipped translation demo (scripts/train_nmt_demo.py); its vocabulary ships beside it
NMT_DEMO_FILE = ("models", "nmt-demo.keras")
NMT_DEMO_VOCAB = ("models", "nmt-demo.vocab.json")
WEIGHT_KINDS = ("pretrained", "random")
RANDOM_SEED = 0  # every random-weight model is built from this seed, so two runs measure the same network


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
    (None where no reliable figure is known). `builder` names the function that builds it (core.models.builders),
    `keras_app` and `weights_file` the keras.applications constructor and its pretrained weights file, for the
    models built that way. `classes` is the width of the output (1001 for TF-slim's nets: class 0 is background).
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
    builder: str | None = None
    classes: int | None = None

    @property
    def buildable(self) -> bool:
        """Whether this version can build the network (and so run it with seeded random weights)."""
        return self.builder is not None or self.name == DIGITS_CNN


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
        builder=keras_app,
        classes=1000,
    )


def _slim(name: str, params: int, side: int) -> ModelInfo:
    """A TF-slim Inception built by core.models.arch (1001 classes, as slim's checkpoints have)."""
    return ModelInfo(
        name=name,
        family="CNN",
        params=params,
        input_shape=(side, side, 3),
        task="classification",
        weights_source="seeded random (a TF-slim checkpoint maps onto the builder)",
        paper_row=True,
        builder=name.replace("-", "_"),
        classes=1001,
    )


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
        classes=10,
    ),
    ModelInfo(  # GNMT-style, English number phrases to German (core.models.nmt)
        name=NMT_DEMO,
        family="RNN",
        params=434_656,
        input_shape=(None,),
        task="translation",
        weights_source="shipped: assets/models/nmt-demo.keras",
        paper_row=False,
        dataset="numbers-en-de-test",
        builder="nmt",
    ),
    _slim("inception-v1", 6_633_209, 224),  # slim's GoogLeNet with batch norm
    _slim("inception-v2", 11_199_137, 224),  # slim's BN-Inception
    _keras_app(
        "inception-v3", 23_851_784, 299, "InceptionV3", "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
    ),
    _slim("inception-v4", 42_712_937, 299),  # without the auxiliary (training-only) head
    _keras_app("resnet50", 25_636_712, 224, "ResNet50", "resnet50_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("resnet101", 44_707_176, 224, "ResNet101", "resnet101_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("resnet152", 60_419_944, 224, "ResNet152", "resnet152_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("vgg16", 138_357_544, 224, "VGG16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("vgg19", 143_667_240, 224, "VGG19", "vgg19_weights_tf_dim_ordering_tf_kernels.h5"),
    _keras_app("mobilenet", 4_253_864, 224, "MobileNet", "mobilenet_1_0_224_tf.h5"),
    ModelInfo(  # the paper's 211M: the TF NMT tutorial's 4-layer GNMT, 1024 units (core.models.nmt PRESETS)
        name="nmt",
        family="RNN",
        params=210_882_560,
        input_shape=(None,),
        task="translation",
        weights_source="seeded random (GNMT 4x1024; no trained checkpoint ships)",
        paper_row=True,
        builder="nmt",
    ),
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


def find_weights(info: ModelInfo) -> Path | None:
    """The first existing copy of this model's pretrained weights file, or None."""
    if info.weights_file is None:
        return None
    return next((d / info.weights_file for d in weights_dirs() if (d / info.weights_file).is_file()), None)


def availability(info: ModelInfo, weights: str | None = None) -> tuple[bool, str]:
    """Whether this model can be loaded here with these weights ("pretrained", "random"; None: pretrained), and a
    one-line reason that says what to do when it cannot."""
    if weights not in (None, *WEIGHT_KINDS):
        return False, f"unknown weights {weights!r}; choose one of: {', '.join(WEIGHT_KINDS)}"
    if weights == "random":
        if info.buildable:
            return True, f"seeded random weights (seed {RANDOM_SEED}): accuracy is not measured"
        return False, f"{info.name} has no builder in this version (a later release adds it)"
    if info.name == NMT_DEMO:
        path = assets_dir().joinpath(*NMT_DEMO_FILE)
        if path.is_file() and assets_dir().joinpath(*NMT_DEMO_VOCAB).is_file():
            return True, f"shipped weights at {path}"
        return False, f"missing {path} or its vocabulary: run `python scripts/train_nmt_demo.py`"
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
            f"put {info.weights_file} in {where}, or set ${WEIGHTS_DIR_ENV} to its folder; "
            "or run it with --weights random"
        )
    from core.models.slim_map import CHECKPOINTS, checkpoint_path  # TF-free (W3)

    if info.name in CHECKPOINTS:
        try:
            return True, f"TF-slim checkpoint at {checkpoint_path(info.name)}"
        except UserError as exc:
            return False, str(exc)
    if info.buildable:
        return False, f"no pretrained weights for {info.name} in this version; run it with --weights random"
    return False, f"{info.name} has no builder in this version (a later release adds it)"


def resolve_weights(info: ModelInfo, requested: str | None) -> str:
    """The weights a run uses: the one asked for, else pretrained where its file is here, else seeded random."""
    if requested is not None:
        return requested
    # Its weights ship with tocompress: never random unasked.
    shipped = info.weights_source.startswith("shipped")
    if shipped or not info.buildable or availability(info, "pretrained")[0]:
        return "pretrained"
    return "random"


def vocab_file(info: ModelInfo) -> Path | None:
    """The vocabulary JSON of a translation model (core.data.translation), or None where it has none here."""
    path = assets_dir().joinpath(*NMT_DEMO_VOCAB)
    return path if info.name == NMT_DEMO and path.is_file() else None
