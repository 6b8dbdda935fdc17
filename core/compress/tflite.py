"""TFLite forms of a Keras model (`tflite:fp16`, `tflite:dyn8`, `tflite:int8`): the modern deployment answer.

Conversion goes through a SavedModel export (`model.export`), because the converter's from_keras_model is
unreliable with Keras 3. The three forms:
- fp16: float16 weights, float32 compute (weights widen once when the interpreter prepares the graph).
- dyn8: dynamic-range int8: int8 weights, activations quantized on the fly by the kernels that support it.
- int8: full-integer int8, activation ranges calibrated on samples of the model's training split (the compress
  stage loads them, core.data.stage_samples, and hands them in); every op must have an int8 kernel or the
  conversion fails (no silent float fallback).
The int8 model keeps float32 input and output (the converter adds one QUANTIZE at the input and one DEQUANTIZE at
the output): the runner then feeds the same float evaluation set as every other form, and the two boundary ops
cost a few microseconds, which stays inside the measured latency rather than being hidden in the harness.
Compress side only (modern TensorFlow); the run side is core/worker/tflite_runner.py.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.atomic import write_atomic
from core.errors import UserError
from core.spec import TFLITE_MODES

if TYPE_CHECKING:
    import keras

_DESCRIPTIONS = {
    "fp16": "float16 weights, float32 compute",
    "dyn8": "int8 weights, activations quantized at run time by kernels that support it",
    "int8": "full-integer int8 weights and activations, float32 input and output",
}


class TfliteError(UserError, ValueError):
    """A model that cannot be converted to the asked TFLite form; the message says why and what to try."""


@dataclass(frozen=True)
class Calibration:
    """Samples that calibrate full-int8 activation ranges, and where they came from (recorded in the result)."""

    x: np.ndarray
    source: str


def convert(model: keras.Model, mode: str, calibration: Calibration | None = None) -> bytes:
    """The flatbuffer of `model` in TFLite form `mode`; int8 needs `calibration` samples of the training split."""
    import tensorflow as tf

    if mode not in TFLITE_MODES:
        raise TfliteError(f"unknown TFLite form {mode!r}; use one of {', '.join(TFLITE_MODES)}")
    if mode == "int8" and (calibration is None or len(calibration.x) == 0):
        raise TfliteError("tflite:int8 needs calibration samples from the model's training split")
    with tempfile.TemporaryDirectory(prefix="tocompress-savedmodel-") as tmp:
        saved = os.path.join(tmp, "model")
        model.export(saved, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if mode == "fp16":
            converter.target_spec.supported_types = [tf.float16]
        elif mode == "int8":
            assert calibration is not None
            converter.representative_dataset = lambda: _one_at_a_time(calibration.x)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        try:
            return bytes(converter.convert())
        except Exception as exc:  # the converter raises ConverterError, RuntimeError, ValueError...
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TfliteError(f"{model.name} cannot be converted to tflite:{mode}: {first}") from None


def _one_at_a_time(x: np.ndarray) -> Iterator[list[np.ndarray]]:
    for i in range(len(x)):
        yield [x[i : i + 1].astype(np.float32)]


def save_tflite(
    model: keras.Model, mode: str, path: str | os.PathLike[str], calibration: Calibration | None = None
) -> dict[str, Any]:
    """Convert and write atomically to `path` (its bytes on disk are the model size); the `tflite` block."""
    import tensorflow as tf

    write_atomic(path, [convert(model, mode, calibration)])
    calibrated = calibration if mode == "int8" else None
    return {
        "mode": mode,
        "form": _DESCRIPTIONS[mode],
        "io_dtype": "float32",
        "converter": f"tf.lite.TFLiteConverter.from_saved_model (tensorflow {tf.__version__})",
        "calibration": {"samples": len(calibrated.x), "source": calibrated.source} if calibrated else None,
    }


def compress_to_tflite(
    model: keras.Model, mode: str, path: str | os.PathLike[str], calibration: Calibration | None = None
) -> dict[str, Any]:
    """The pipeline's TFLite step: convert (int8 calibrated on the `calibration` samples it is given), write; the
    block."""
    return save_tflite(model, mode, path, calibration if mode == "int8" else None)
