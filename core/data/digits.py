"""The demo model's data: scikit-learn's 8x8 handwritten digits, split once and for all into train and held-out test.

The digits ship inside scikit-learn (no download), so the demo model can be trained, compressed and scored on any
machine. The split is fixed (25% held out, stratified by class, `random_state=0`) so every run, the training script
and the tests all score against the same 450 images the model never saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEST_FRACTION = 0.25
SPLIT_SEED = 0
N_CLASSES = 10
INPUT_SHAPE = (8, 8, 1)
_MAX_PIXEL = 16.0  # load_digits pixels are counts 0..16


@dataclass(frozen=True)
class DigitsSplit:
    """Train and held-out test arrays: x float32 (N, 8, 8, 1) in [0, 1], y int64 class labels 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits_split() -> DigitsSplit:
    """Load the 1797 digits and split them 1347/450 with the fixed, stratified, seeded split described above."""
    from sklearn.datasets import load_digits  # deferred: scikit-learn's import costs ~0.5 s
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / _MAX_PIXEL).reshape(-1, *INPUT_SHAPE)
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED
    )
    return DigitsSplit(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
