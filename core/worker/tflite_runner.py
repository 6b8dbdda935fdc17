"""Run stage for the TFLite forms: load the .tflite under LiteRT's interpreter, warm up, time, evaluate.

ai-edge-litert's Interpreter is used where it is installed (it needs no TensorFlow import, so the run process's
memory is the interpreter's own); tf.lite.Interpreter is the fallback, and the events say which ran. The thread
count is the `threads` run option, or the runtime's default when that is unset, and is recorded either way, since
latency depends on it (two threads gave the tiny demo model a heavy tail on a 2-core machine). LiteRT's Python API
exposes no per-op timing, so the per-op block is null with that reason, never zeros. Python 3.6-compatible, like
the rest of the run stage.
"""

from collections.abc import Callable  # noqa: F401 (used by the type comments)
from typing import Any, Optional  # noqa: F401 (used by the type comments)

import numpy as np

from core.samples.evaldata import NO_LABELS_REASON
from core.worker.loop import time_inference

PER_OP_REASON = "per-op time is not measured for TFLite forms: LiteRT's Python API exposes no per-op timing"
EVAL_BATCH = 256


# Both ai-edge-litert's and tf.lite's Python Interpreter pass `int(num_threads or 1)` on: unset means one thread.
RUNTIME_DEFAULT_THREADS = 1
RUNTIME_DEFAULT_NOTE = "the interpreter's default (num_threads unset: its Python API runs 1 thread)"


def _interpreter_class():
    # type: () -> tuple[Any, str]
    """(Interpreter class, runtime description): ai-edge-litert if installed, else TensorFlow's tf.lite."""
    try:
        import ai_edge_litert
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "ai-edge-litert " + str(getattr(ai_edge_litert, "__version__", "?"))
    except ImportError:
        import tensorflow as tf

        return (
            tf.lite.Interpreter,
            "tf.lite.Interpreter (tensorflow " + tf.__version__ + "; ai-edge-litert absent)",
        )


class TfliteModel:
    """One interpreter with float32 input and output; resizes the batch dimension only when it changes."""

    def __init__(self, path, num_threads):
        # type: (str, Optional[int]) -> None
        interpreter_class, self.interpreter_name = _interpreter_class()
        self.interpreter = interpreter_class(model_path=str(path), num_threads=num_threads)
        self.num_threads = RUNTIME_DEFAULT_THREADS if num_threads is None else num_threads
        inputs = self.interpreter.get_input_details()
        outputs = self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(
                f"{path} has {len(inputs)} inputs and {len(outputs)} outputs; the TFLite runner handles one of each"
            )
        if inputs[0]["dtype"] != np.float32 or outputs[0]["dtype"] != np.float32:
            raise ValueError(
                "{} has {} input / {} output; the TFLite runner expects float32 I/O (convert with "
                "core.compress.tflite)".format(path, inputs[0]["dtype"], outputs[0]["dtype"])
            )
        self._in = inputs[0]["index"]
        self._out = outputs[0]["index"]
        self._batch = None  # type: Optional[tuple[int, ...]]
        self.interpreter.allocate_tensors()

    def set_input(self, x):
        # type: (np.ndarray) -> None
        """Copy `x` into the input tensor, resizing (and re-allocating) only when its shape changed."""
        shape = tuple(int(d) for d in x.shape)
        if shape != self._batch:
            self.interpreter.resize_tensor_input(self._in, list(shape))
            self.interpreter.allocate_tensors()
            self._batch = shape
        self.interpreter.set_tensor(self._in, np.ascontiguousarray(x, dtype=np.float32))

    def invoke(self):
        # type: () -> np.ndarray
        """Run the graph on the current input and return a copy of the output."""
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._out)

    def predict(self, x, batch=EVAL_BATCH):
        # type: (np.ndarray, int) -> np.ndarray
        """Scores for all of `x`, in batches."""
        parts = []
        for i in range(0, len(x), batch):
            self.set_input(x[i : i + batch])
            parts.append(self.invoke())
        return np.concatenate(parts) if parts else np.zeros((0,))


def run_tflite(path, eval_set, options, emit, phase_event, variant, num_threads=None):
    # type: (str, Any, Any, Callable[..., None], Callable[[str], None], str, Optional[int]) -> None
    """Measure one .tflite artifact on the evaluation samples: latency (with windows), a null per-op block with
    its reason, accuracy (null with the reason when the samples have no labels)."""
    from core.measure.metrics import classification_metrics

    threads = num_threads if num_threads is not None else getattr(options, "threads", None)
    model = TfliteModel(path, threads)
    note = RUNTIME_DEFAULT_NOTE if threads is None else f"num_threads={threads} (run option)"
    emit("log", level="info", message=f"TFLite interpreter: {model.interpreter_name}, {note}")
    x = eval_set.x[: options.batch_size]

    def run_once():
        # type: () -> None
        model.set_input(x)
        model.invoke()

    time_inference(run_once, options, emit, phase_event, variant, runtime="tflite",
                   interpreter=model.interpreter_name, num_threads=model.num_threads, threads=threads,
                   threads_note=note)  # fmt: skip
    emit_null_ops(emit, variant)

    phase_event("evaluating")
    if eval_set.y is None:
        emit("eval", variant=variant, dataset=None, n_samples=0, top1=None, top5=None, precision=None,
             recall=None, f1=None, reason=NO_LABELS_REASON)  # fmt: skip
        return
    metrics = classification_metrics(eval_set.y, model.predict(eval_set.x))
    emit("eval", variant=variant, dataset=eval_set.name, **metrics)


def emit_null_ops(emit, variant):
    # type: (Callable[..., None], str) -> None
    """The per-op block of a TFLite form: nothing traced, and why."""
    emit(
        "ops",
        variant=variant,
        final=True,
        passes=0,
        total_s=None,
        by_type=None,
        by_class=None,
        reason=PER_OP_REASON,
    )
