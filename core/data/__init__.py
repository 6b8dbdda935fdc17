"""Evaluation sets by name, and each model's default one; numpy-only so the dashboard can validate a choice.

Only the digits ship with this version; ImageNet-class models have no local evaluation set until one is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import UserError
from core.models.registry import get_model_info


class DatasetError(UserError, ValueError):
    """An evaluation set that cannot be used for this model; the message says which ones can."""


@dataclass(frozen=True)
class EvalSet:
    """Inputs and labels to score a model on, the set's name, and how many classes its labels range over.

    `y` is None for unlabelled inputs (an ImageNet folder without its ground-truth file): accuracy is then null.
    """

    x: np.ndarray
    y: np.ndarray | None
    name: str
    n_classes: int


def _digits_test() -> EvalSet:
    from core.data.digits import N_CLASSES, load_digits_split

    split = load_digits_split()
    return EvalSet(split.x_test, split.y_test, "digits-test", N_CLASSES)


def _digits_train() -> EvalSet:
    from core.data.digits import N_CLASSES, load_digits_split

    split = load_digits_split()
    return EvalSet(split.x_train, split.y_train, "digits-train", N_CLASSES)


_DATASETS: dict[str, Callable[[], EvalSet]] = {"digits-test": _digits_test}
# A model's default evaluation set -> the training split it was held out from (fine-tuning, calibration).
_TRAIN_SETS: dict[str, Callable[[], EvalSet]] = {"digits-test": _digits_train}


def load_eval_set(
    model_name: str,
    dataset: str | None = None,
    limit: int | None = None,
    *,
    input_shape: tuple[int | None, ...] | None = None,
    preprocess: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalSet:
    """The set to score `model_name` on (its default when `dataset` is None), cut to the first `limit` samples.

    `dataset` is a known name or an ImageNet validation folder (core.data.imagenet). `input_shape` and
    `preprocess` describe a model the user brings (not in the registry); `progress(done, total)` follows decoding.
    """
    if input_shape is None and get_model_info(model_name).task == "translation":  # parallel text
        from core.data.translation import translation_eval_data

        ev = translation_eval_data(model_name, dataset, limit)
        assert ev.y is not None  # references: only random weights without a dataset have none
        return EvalSet(ev.x, ev.y, ev.name, 0)
    if input_shape is None:
        info = get_model_info(model_name)
        name, shape, default = info.name, info.input_shape, info.dataset
        classes = getattr(info, "classes", None)
    else:
        name, shape, default, classes = model_name, tuple(input_shape), None, None
    known = ", ".join(_DATASETS)
    chosen = dataset if dataset is not None else default
    if chosen is None:
        raise DatasetError(
            f"no evaluation set for {name} here; pass --dataset with a set whose inputs are "
            f"{shape} (known: {known}, or an ImageNet validation folder)"
        )
    if limit is not None and limit < 1:
        raise DatasetError(f"evaluation limit {limit} must be at least 1, or unset for the whole set")
    if _is_folder(chosen):
        return _imagenet(chosen, name, shape, preprocess, limit, progress, classes)
    loader = _DATASETS.get(chosen.strip().lower())
    if loader is None:
        raise DatasetError(
            f"unknown dataset {chosen!r}; choose one of: {known}, or give an ImageNet validation folder"
        )
    eval_set = loader()
    if eval_set.x.shape[1:] != tuple(shape):
        raise DatasetError(
            f"dataset {eval_set.name} has inputs {eval_set.x.shape[1:]} but {name} expects {shape}"
        )
    if limit is not None:
        y = eval_set.y[:limit] if eval_set.y is not None else None
        eval_set = EvalSet(eval_set.x[:limit], y, eval_set.name, eval_set.n_classes)
    return eval_set


def _is_folder(dataset: str) -> bool:
    return dataset.startswith("imagenet:") or Path(dataset).expanduser().is_dir()


def _imagenet(
    dataset: str,
    name: str,
    shape: tuple[int | None, ...],
    preprocess: str | None,
    limit: int | None,
    progress: Callable[[int, int], None] | None,
    classes: int | None = None,
) -> EvalSet:
    """An ImageNet validation folder, decoded at the model's side with its own preprocessing.

    TF-slim's nets have 1001 outputs (0 is "background"), so their labels shift by one.
    """
    from core.data.imagenet import MODEL_PREPROCESS, N_CLASSES, load_imagenet

    folder = dataset.removeprefix("imagenet:")
    if len(shape) != 3 or shape[2] != 3 or shape[0] is None or shape[0] != shape[1]:
        raise DatasetError(f"{name} takes inputs {shape}, not square RGB images, so ImageNet cannot score it")
    mode = preprocess or MODEL_PREPROCESS.get(name, "tf")
    x, y = load_imagenet(folder, int(shape[0]), mode, limit, progress)
    offset = 1 if classes == N_CLASSES + 1 else 0
    y = y + offset if y is not None else None
    label = f"imagenet-val ({mode}, {shape[0]}px{', unlabelled' if y is None else ''})"
    return EvalSet(x, y, label, N_CLASSES + offset)


def load_train_set(model_name: str) -> EvalSet:
    """The training split of `model_name`'s default dataset (never its held-out samples), for fine-tuning."""
    info = get_model_info(model_name)
    loader = _TRAIN_SETS.get(info.dataset or "")
    if loader is None:
        have = ", ".join(sorted(_TRAIN_SETS))
        raise DatasetError(
            f"no training split for {info.name} here, so it cannot be fine-tuned; drop :ftN from the setting "
            f"(training splits exist for models scored on: {have})"
        )
    return loader()
