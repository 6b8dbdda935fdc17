"""What does the timed loop add per iteration, what does one progress event cost, and does gc run while timing?

CPU time (time.thread_time) of N iterations of a no-op model: a bare loop (two clock reads and an append), then
core.measure.timing.measure_latency without progress, then with progress events written through the worker's
Emitter to /dev/null every 250 ms (the default) and, for comparison, on every iteration. Then the garbage
collections seen during timing (gc.callbacks) of a model that allocates like sess.run does (a numpy array and a
list per call), with gc paused (the default) and not. CPU time, not wall time, so other users of the machine
disturb it less; the load average is printed.

    python benchmarks/bench_timed_loop_overhead.py [iterations]
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.measure.timing import measure_latency  # noqa: E402
from core.worker.protocol import Emitter  # noqa: E402


def noop() -> None:
    pass


def bare(n: int) -> float:
    clock = time.perf_counter
    samples = []
    t = time.thread_time()
    for _ in range(n):
        t0 = clock()
        noop()
        samples.append(clock() - t0)
    return (time.thread_time() - t) / n * 1e6


def timed(n: int, progress_every_s: float | None, emit: Emitter | None) -> tuple[float, int]:
    calls = []

    def on_progress(i: int, elapsed_s: float, mean_s: float, ci: float) -> None:
        calls.append(i)
        if emit is not None:
            emit("progress", variant="baseline", phase="timing", iter=i, elapsed_s=elapsed_s, mean_s=mean_s,
                 ci95_halfwidth_pct=None, target_pct=5.0)  # fmt: skip

    kwargs = {} if progress_every_s is None else {"progress_every_s": progress_every_s}
    t = time.thread_time()
    measure_latency(noop, min_iters=n, max_iters=n, max_seconds=1e9, target_pct=1e-9,
                    on_progress=on_progress if emit is not None else None, **kwargs)  # fmt: skip
    return (time.thread_time() - t) / n * 1e6, len(calls)


def collections(pause_gc: bool, n: int) -> tuple[int, float]:
    seen = {"n": 0, "s": 0.0, "t0": 0.0, "timing": False}

    def callback(phase: str, info: dict) -> None:
        if not seen["timing"]:  # the collect() before the loop is not inside it
            return
        if phase == "start":
            seen["t0"] = time.perf_counter()
        else:
            seen["n"] += 1
            seen["s"] += time.perf_counter() - seen["t0"]

    garbage = []

    def model() -> None:
        seen["timing"] = True
        out = [np.zeros(10), {"out": [1, 2, 3]}]  # containers, as a session's fetch results are
        out.append(out)  # a cycle: only the collector frees it
        if len(garbage) < 100:
            garbage.append(out)

    gc.collect()
    gc.callbacks.append(callback)
    try:
        measure_latency(model, min_iters=n, max_iters=n, max_seconds=1e9, target_pct=1e-9, pause_gc=pause_gc)
    finally:
        gc.callbacks.remove(callback)
    return seen["n"], seen["s"] * 1e3


def main(n: int = 200_000) -> None:
    print(f"load average {os.getloadavg()}, {os.cpu_count()} cores, {n:,} iterations of a no-op model")
    timed(1000, None, None)  # the first call imports scipy and builds the t table: not per-iteration costs
    print(f"bare loop:                          {bare(n):6.3f} us CPU per iteration")
    per_it, _ = timed(n, None, None)
    print(f"measure_latency, no progress:       {per_it:6.3f} us CPU per iteration")
    with open(os.devnull, "w") as devnull:
        emit = Emitter(devnull)
        per_it, calls = timed(n, None, emit)
        print(f"  + progress every 250 ms (default): {per_it:6.3f} us CPU per iteration, {calls} events")
        per_it, calls = timed(n, 1e-12, emit)
        print(f"  + progress every iteration:       {per_it:6.3f} us CPU per iteration, {calls} events "
              f"(the cost of one event, roughly)")  # fmt: skip
    for pause in (False, True):
        count, ms = collections(pause, n)
        print(
            f"gc {'paused ' if pause else 'enabled'} while timing: {count} collections inside the loop, {ms:.1f} ms"
        )
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
