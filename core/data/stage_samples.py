"""Samples the compress stage loads and hands on: training and calibration samples for the compression steps, and
seeded random inputs for a run without an evaluation set.

One home for them, so the registry-model and user-model compress paths draw the same synthetic inputs, and
core/compress receives its samples as arguments instead of loading them (it imports neither core/data nor the
registry).
"""

from __future__ import annotations

import numpy as np

from core.data import EvalSet, load_train_set
from core.models.registry import DIGITS_CNN, get_model_info
from core.samples.evaldata import EvalData

SYNTHETIC_SAMPLES = 32
SYNTHETIC_SEED = 0
SYNTHETIC_NAME = "synthetic (seeded random inputs, no labels)"
CALIBRATION_SAMPLES = 256  # the converter's guidance is ~100-500; more only slows conversion down
CALIBRATION_SEED = 0


def synthetic_eval_data(shape: tuple[int, ...], eval_limit: int | None, batch_size: int) -> EvalData:
    """Seeded standard-normal inputs without labels: at most 32 (or `eval_limit`), at least one batch."""
    count = max(min(SYNTHETIC_SAMPLES, eval_limit or SYNTHETIC_SAMPLES), batch_size)
    x = np.random.default_rng(SYNTHETIC_SEED).standard_normal((count, *shape)).astype(np.float32)
    return EvalData(x, None, SYNTHETIC_NAME, None)


def training_samples(model_name: str) -> EvalSet:
    """The training split fine-tuning uses; DatasetError (one line) for a model without one."""
    return load_train_set(model_name)


def calibration_samples(
    model_name: str, input_shape: tuple[int, ...], n: int = CALIBRATION_SAMPLES
) -> tuple[np.ndarray, str]:
    """`n` training samples for `model_name` and where they came from: the digits' training split for the demo
    model, else seeded noise.

    Models without a local training split are calibrated on uniform noise in [-1, 1] (the Keras applications'
    input range); the source says so, because int8 accuracy calibrated that way is not the model's real accuracy.
    """
    if get_model_info(model_name).name == DIGITS_CNN:
        x_train = load_train_set(model_name).x
        take = np.random.default_rng(CALIBRATION_SEED).permutation(len(x_train))[:n]
        return x_train[np.sort(take)], f"digits-train ({min(n, len(x_train))} of {len(x_train)})"
    x = np.random.default_rng(CALIBRATION_SEED).uniform(-1.0, 1.0, size=(n, *input_shape)).astype(np.float32)
    return x, f"synthetic uniform [-1, 1] ({n} samples; {model_name} has no local training split)"
