"""Evaluation sets by name, and each model's default one; numpy-only so the dashboard can validate a choice.

Only the digits ship with this version; ImageNet-class models have no local evaluation set until one is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.errors import UserError
from core.models.registry import get_model_info


class DatasetError(UserError, ValueError):
    """An evaluation set that cannot be used for this model; the message says which ones can."""


@dataclass(frozen=True)
class EvalSet:
    """Inputs and labels to score a model on, the set's name, and how many classes its labels range over."""

    x: np.ndarray
    y: np.ndarray
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


def load_eval_set(model_name: str, dataset: str | None = None, limit: int | None = None) -> EvalSet:
    """The set to score `model_name` on (its default when `dataset` is None), cut to the first `limit` samples."""
    info = get_model_info(model_name)
    known = ", ".join(_DATASETS)
    name = dataset if dataset is not None else info.dataset
    if name is None:
        raise DatasetError(
            f"no evaluation set for {info.name} here; pass --dataset with a set whose inputs are "
            f"{info.input_shape} (known: {known})"
        )
    loader = _DATASETS.get(name.strip().lower())
    if loader is None:
        raise DatasetError(f"unknown dataset {name!r}; choose one of: {known}")
    if limit is not None and limit < 1:
        raise DatasetError(f"evaluation limit {limit} must be at least 1, or unset for the whole set")
    eval_set = loader()
    if eval_set.x.shape[1:] != info.input_shape:
        raise DatasetError(
            f"dataset {eval_set.name} has inputs {eval_set.x.shape[1:]} but {info.name} expects {info.input_shape}"
        )
    if limit is not None:
        eval_set = EvalSet(eval_set.x[:limit], eval_set.y[:limit], eval_set.name, eval_set.n_classes)
    return eval_set


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
