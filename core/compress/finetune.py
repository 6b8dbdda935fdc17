"""Fine-tune a pruned model on its training split, as the paper retrains after pruning.

A few epochs of Adam at a small learning rate from a fixed seed, on the samples the model was trained on (never
the held-out evaluation split). For unstructured pruning the keep-masks are re-applied after every batch, so the
pruned weights stay exactly zero and the artifact's sparsity is the one the step asked for.
"""

from __future__ import annotations

from typing import Any, Protocol

import keras
import numpy as np

from core.compress.prune import apply_masks

SEED = 0
LEARNING_RATE = 1e-3
BATCH_SIZE = 32
OPTIMIZER = "adam"


class TrainingSet(Protocol):
    """Labelled training samples and the split's name (core.data's EvalSet is one); the caller loads them."""

    @property
    def x(self) -> np.ndarray: ...

    @property
    def y(self) -> np.ndarray | None: ...

    @property
    def name(self) -> str: ...


def apply_finetune(
    model: keras.Model,
    train: TrainingSet,
    epochs: int,
    masks: dict[str, np.ndarray] | None = None,
    *,
    seed: int = SEED,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
) -> tuple[keras.Model, dict[str, Any]]:
    """Train a freshly seeded copy of `model` for `epochs` on `train` (its training split); it and a record."""
    assert train.y is not None  # training splits are labelled
    keras.utils.set_random_seed(seed)
    model = _reseeded_copy(model)
    from_logits = _outputs_logits(model)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
    )
    callbacks = [_MaskKeeper(masks)] if masks else []
    masked = apply_masks(model, masks) if masks else 0  # counted on the copy: its variable paths must match
    loss_before = _loss(model, train.x, train.y, batch_size)
    model.fit(
        train.x, train.y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=callbacks
    )
    record = {
        "epochs": int(epochs),
        "samples": int(len(train.y)),
        "dataset": train.name,
        "optimizer": OPTIMIZER,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "seed": seed,
        "masks_kept": masked,
        "loss_before": loss_before,
        "loss_after": _loss(model, train.x, train.y, batch_size),
    }
    return model, record


def _reseeded_copy(model: keras.Model) -> keras.Model:
    """The same model with fresh layers: Dropout draws its seed when a layer is built, so layers built before
    the seed was set would make the run depend on whatever the process did earlier."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _outputs_logits(model: keras.Model) -> bool:
    """Whether the model ends without a softmax, so the loss must apply one itself."""
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", "") != "softmax"


def _loss(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    """Mean training loss without dropout (inference mode), so before and after compare like with like."""
    return round(float(model.evaluate(x, y, batch_size=batch_size, verbose=0)), 6)


class _MaskKeeper(keras.callbacks.Callback):
    """Re-zero the pruned weights after every optimizer step (Adam's momentum would otherwise revive them)."""

    def __init__(self, masks: dict[str, np.ndarray]) -> None:
        super().__init__()
        self.masks = masks

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        apply_masks(self.model, self.masks)
