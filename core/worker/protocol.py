"""The versioned JSON-lines protocol between the worker (writer) and the session (reader).

Every event is one JSON object on one line: `{"v": 1, "type": ..., "t": <time.monotonic()>, ...}`. Readers ignore
types they do not know, so a newer worker can talk to an older dashboard.

Types and their fields (all times are time.monotonic() seconds, comparable across processes on Linux):
  hello     pid, python, tensorflow, backend ("cpu"/"gpu"), devices, spec, stage ("compress"|"run"); the compress
            stage adds keras, the run stage session_options (what TensorFlow was told: constant folding off, ...)
  phase     variant, name (load|compress|warmup|timing|tracing|paired|evaluating|done), rss_bytes
  model     variant, params, nonzero_params, size_bytes, artifact, cached, weights, and where they apply the
            blocks quantization {bits, granularity, dequant, dequant_form, tensors, code_bits_in_graph},
            pruning, finetune, tflite             (compress stage)
  progress  variant, phase, iter, elapsed_s, mean_s, ci95_halfwidth_pct, target_pct
  window    variant, t0, t1, n              (inference windows, for energy integration by the session)
  latency   variant, n, mean_s, median_s, p90_s, p99_s, std_s, ci95_halfwidth_pct, converged, reason, runtime,
            session_options, graph {integer_weights, float_weights, integer_bytes, float_bytes, dequantize_ops}
            (TFLite forms: runtime "tflite", interpreter, num_threads instead of session_options and graph)
  ops       variant, passes, final (one per traced pass: between timed chunks, the rest after timing), total_s, by_type {op: seconds}, by_class {A..G: seconds}
            (TFLite forms: passes 0, total_s/by_type/by_class null and a `reason`: LiteRT has no per-op timing)
  pair      variant (the compressed one), against, pairs, ratio, ratio_ci95 [low, high] or null   (paired stage,
            about once a second while ABBA groups arrive)
  paired    variant, against, blocks [[variant index 0|1, t0, t1, n, seconds], ...], latency {ratio, ratio_ci95,
            pairs, processes, method, stopped (narrow|excludes_one|cap), block_s, halfwidth_pct, threshold_pct}
  eval      variant, dataset, n_samples, top1, top5, precision, recall, f1 (null with `reason` without labels)
  log       level, message
  error     message, phase
  result    variant, status ("complete"|"partial"), stage
"""

import json
import time
from typing import Any, Dict, Optional, TextIO  # noqa: F401 (used by the type comments)

PROTOCOL_VERSION = 1


def encode(type_, **fields):
    # type: (str, Any) -> str
    """One event as a JSON line (no trailing newline), stamped with the protocol version and monotonic time."""
    return json.dumps(
        dict({"v": PROTOCOL_VERSION, "type": type_, "t": time.monotonic()}, **fields), allow_nan=False
    )


def decode(line):
    # type: (str) -> Optional[Dict[str, Any]]
    """Parse one line; None for blank lines or non-JSON noise (a library printing to stdout must not kill a run)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "type" in event else None


class Emitter:
    """Writes events to a stream and flushes each one, so the dashboard sees them as they happen."""

    def __init__(self, stream):
        # type: (TextIO) -> None
        self._stream = stream

    def __call__(self, type_, **fields):
        # type: (str, Any) -> None
        self._stream.write(encode(type_, **fields) + "\n")
        self._stream.flush()
