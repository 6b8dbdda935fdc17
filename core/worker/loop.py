"""The measurement loop both run-stage runners share: warm-up, the timed loop with its progress and window
events, and the process's resident memory.

One copy, so the graph runner and the TFLite runner time inference by the same rule. Python 3.6-compatible.
"""

import os
import time
from typing import Any, Callable, Dict, Optional  # noqa: F401 (used by the type comments)

import numpy as np

from core.measure.cpu_share import CpuShare
from core.measure.timing import measure_latency

# Warm-up runs at least this long too: the first runs of a fresh session, oneDNN's primitive caches or XNNPACK's
# weight packing are slow for longer than a fixed handful of iterations, and would inflate the first variant's mean.
WARMUP_MIN_S = 1.0


def rss_bytes():
    # type: () -> int
    """Resident set size of this process (psutil where installed, else /proc/self/statm)."""
    try:
        import psutil
    except ImportError:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return int(psutil.Process().memory_info().rss)


def warm_up(run_once, warmup_iters):
    # type: (Callable[[], Any], int) -> int
    """Run `warmup_iters` inferences, and keep going until WARMUP_MIN_S has passed; returns how many ran."""
    warm_until = time.perf_counter() + WARMUP_MIN_S
    done = 0
    while done < warmup_iters or (warmup_iters and time.perf_counter() < warm_until):
        run_once()
        done += 1
    return done


def time_inference(run_once, options, emit, phase_event, variant, between_chunks=None, **latency_extra):
    # type: (Callable[[], Any], Any, Callable[..., None], Callable[[str], None], str, Optional[Callable[[float], None]], Any) -> None  # noqa: E501
    """Warm up, then time `run_once` until the stopping rule holds; emits progress, window and latency events.

    `between_chunks(elapsed_s)`, where given, runs after each progress report, between the timed chunks (the
    per-op trace runs there: its passes are never timed and fall outside the energy windows).

    Progress goes out every PROGRESS_EVERY_S (not per iteration) and the garbage collector is paused while timing
    (core.measure.timing); the latency event carries who used the CPU meanwhile (`cpu`, core.measure.cpu_share).
    """
    phase_event("warmup")
    warm_up(run_once, options.warmup_iters)
    phase_event("timing")

    def on_progress(iteration, elapsed_s, mean_s, ci_pct):
        # type: (int, float, float, float) -> None
        emit(
            "progress",
            variant=variant,
            phase="timing",
            iter=iteration,
            elapsed_s=elapsed_s,
            mean_s=mean_s,
            ci95_halfwidth_pct=ci_pct if np.isfinite(ci_pct) else None,
            target_pct=options.ci_target_pct,
        )
        if between_chunks is not None:
            between_chunks(elapsed_s)

    share = CpuShare()
    share.start()
    stats, _, windows = measure_latency(
        run_once,
        target_pct=options.ci_target_pct,
        min_iters=options.min_iters,
        max_iters=options.max_iters,
        max_seconds=options.max_seconds,
        min_seconds=options.min_seconds,
        on_progress=on_progress,
    )
    cpu = share.stop()  # before the window events: their writes are not part of the timed span
    for t0, t1, n in windows:
        emit("window", variant=variant, t0=t0, t1=t1, n=n)
    latency = stats.to_dict()  # type: Dict[str, Any]
    latency.update(latency_extra)
    latency["cpu"] = cpu
    emit("latency", variant=variant, batch_size=options.batch_size, rss_bytes=rss_bytes(), **latency)
