"""The worker: load one model, compress it, measure it as the paper does, and report each step as an event.

It runs in its own process so TensorFlow never enters the dashboard, its memory is measured cleanly by pid,
and a crash or out-of-memory here cannot take the dashboard down.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.spec import RunSpec, SpecError
from core.worker.protocol import Emitter

Emit = Callable[..., None]
# Warm-up runs at least this long too: the first calls of a fresh tf.function and oneDNN primitive caches are
# slow for longer than a fixed handful of iterations, and would otherwise inflate the first variant's mean.
WARMUP_MIN_S = 1.0


def _rss_bytes() -> int:
    """Resident set size of this process, read from /proc (cheap enough to call at every phase)."""
    import psutil

    return int(psutil.Process().memory_info().rss)


def _private_event_stream() -> Emitter:
    """Keep the real stdout for events and point fd 1 at stderr, so a library's print cannot corrupt the protocol."""
    event_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return Emitter(os.fdopen(event_fd, "w", buffering=1, encoding="utf-8"))


def main() -> int:
    emit = _private_event_stream()
    phase = "start"
    try:
        raw = sys.stdin.read()
        try:
            spec = RunSpec.from_json(json.loads(raw))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SpecError(
                f"worker got an unreadable run spec ({exc}); it expects the JSON of core.spec.RunSpec"
            ) from None
        variant = str(spec.compression)

        def phase_event(name: str) -> None:
            nonlocal phase
            phase = name
            emit("phase", variant=variant, name=name, rss_bytes=_rss_bytes())

        run_variant(spec, emit, phase_event)
        emit("result", variant=variant, status="complete")
        return 0
    except KeyboardInterrupt:
        emit("error", message="worker interrupted", phase=phase)
        return 130
    except Exception as exc:  # the one place that turns any failure into a protocol event
        import traceback

        traceback.print_exc(file=sys.stderr)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        emit(
            "error",
            message=f"{type(exc).__name__}: {message}" if not _is_user_error(exc) else message,
            phase=phase,
        )
        return 1


def _is_user_error(exc: Exception) -> bool:
    return isinstance(exc, (SpecError, FileNotFoundError)) or type(exc).__name__.endswith(
        ("UnknownModelError", "ModelUnavailableError", "DatasetError")
    )


def run_variant(spec: RunSpec, emit: Emit, phase_event: Callable[[str], None]) -> None:
    """Measure one variant: size, latency, per-op profile, accuracy; each result is emitted as soon as it exists."""
    variant = str(spec.compression)
    opts = spec.options
    import numpy as np
    import tensorflow as tf

    emit(
        "hello",
        pid=os.getpid(),
        python=platform.python_version(),
        tensorflow=tf.__version__,
        backend="gpu" if tf.config.list_physical_devices("GPU") else "cpu",
        devices=[d.name for d in tf.config.list_physical_devices()],
        spec=spec.to_json(),
    )

    from core.compress.artifact import load_artifact, save_artifact
    from core.data import load_eval_set
    from core.measure.metrics import classification_metrics
    from core.measure.profile import trace_ops
    from core.measure.timing import measure_latency
    from core.models.builders import load_model

    phase_event("load")
    model = load_model(spec.model)
    eval_set = load_eval_set(spec.model, spec.dataset, opts.eval_limit)

    phase_event("compress")
    workdir = Path(spec.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    artifact_path = workdir / f"{spec.model}-{variant.replace('+', '_')}.tcz"
    info = save_artifact(model, spec.compression, artifact_path)
    del model
    model = load_artifact(artifact_path)
    emit(
        "model",
        variant=variant,
        params=info.params,
        nonzero_params=info.nonzero_params,
        size_bytes=info.size_bytes,
        artifact=str(artifact_path),
    )

    x = tf.constant(eval_set.x[: opts.batch_size])
    infer = tf.function(lambda batch: model(batch, training=False))

    def run_once() -> None:
        infer(x).numpy()  # .numpy() waits for the result, so the wall clock covers the whole inference

    phase_event("warmup")
    warm_until = time.perf_counter() + WARMUP_MIN_S
    done = 0
    while done < opts.warmup_iters or (opts.warmup_iters and time.perf_counter() < warm_until):
        run_once()
        done += 1

    phase_event("timing")

    def on_progress(iteration: int, elapsed_s: float, mean_s: float, ci_pct: float) -> None:
        emit(
            "progress",
            variant=variant,
            phase="timing",
            iter=iteration,
            elapsed_s=elapsed_s,
            mean_s=mean_s,
            ci95_halfwidth_pct=ci_pct if np.isfinite(ci_pct) else None,
            target_pct=opts.ci_target_pct,
        )

    stats, samples_s, windows = measure_latency(
        run_once,
        target_pct=opts.ci_target_pct,
        min_iters=opts.min_iters,
        max_iters=opts.max_iters,
        max_seconds=opts.max_seconds,
        min_seconds=opts.min_seconds,
        on_progress=on_progress,
    )
    for t0, t1, n in windows:
        emit("window", variant=variant, t0=t0, t1=t1, n=n)
    emit("latency", variant=variant, batch_size=opts.batch_size, rss_bytes=_rss_bytes(), **stats.to_dict())

    if opts.trace_passes > 0:
        phase_event("tracing")
        for profile in trace_ops(model, x, opts.trace_passes):
            emit("ops", variant=variant, final=profile.passes == opts.trace_passes, **profile.to_dict())

    phase_event("evaluating")
    scores = _predict(infer, eval_set.x, tf)
    metrics = classification_metrics(eval_set.y, scores)
    emit("eval", variant=variant, dataset=eval_set.name, **metrics)
    phase_event("done")


def _predict(infer: Any, x: Any, tf: Any, batch: int = 256) -> Any:
    """Scores for the whole evaluation set, in batches so a large set does not need one huge tensor."""
    import numpy as np

    parts = [infer(tf.constant(x[i : i + batch])).numpy() for i in range(0, len(x), batch)]
    return np.concatenate(parts) if parts else np.zeros((0,))
