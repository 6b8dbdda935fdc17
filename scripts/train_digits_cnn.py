"""Train the shipped demo model `digits-cnn` and save it to assets/models/digits-cnn.keras.

A small CNN (~151K parameters) on scikit-learn's 8x8 digits: big enough that compressed sizes mean something, small
enough to train in well under a minute on two CPU cores. Seeds and op determinism are fixed, so a rerun on the
same TensorFlow build gives the same weights. Usage: `python scripts/train_digits_cnn.py [--epochs N] [--out PATH]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from core.data.digits import INPUT_SHAPE, N_CLASSES, load_digits_split  # noqa: E402
from core.paths import assets_dir  # noqa: E402

SEED = 0
EPOCHS = 35
BATCH_SIZE = 32
LEARNING_RATE = 1e-3


def build_model():
    """The demo architecture; named "digits-cnn" so artifacts and traces carry the registry name."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPool2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(N_CLASSES, activation="softmax"),
        ],
        name="digits-cnn",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--out", type=Path, default=assets_dir() / "models" / "digits-cnn.keras")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    split = load_digits_split()

    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.summary()
    t0 = time.perf_counter()
    model.fit(
        split.x_train, split.y_train, epochs=args.epochs, batch_size=BATCH_SIZE, shuffle=True, verbose=2
    )
    train_s = time.perf_counter() - t0

    # Ship weights without optimizer state: a fresh, uncompiled copy keeps the file to the model itself.
    shipped = build_model()
    shipped.set_weights(model.get_weights())
    top1 = float(np.mean(np.argmax(shipped.predict(split.x_test, verbose=0), axis=1) == split.y_test))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.stem + ".tmp.keras")  # Keras insists on the .keras suffix
    shipped.save(tmp)
    os.replace(tmp, args.out)
    print(f"params {shipped.count_params()}  train {train_s:.1f} s  epochs {args.epochs}")
    print(f"held-out top-1 {top1:.4f} on {len(split.y_test)} digits")
    print(f"saved {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
