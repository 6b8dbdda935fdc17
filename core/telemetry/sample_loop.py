"""One source's sampling loop: drift-free (`next += period`), skipping ahead instead of bursting when behind.

Kept apart from core.telemetry.sampler, which owns the threads and buffers, so the timing rule reads on its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from core.telemetry.base import Source
from core.telemetry.ring import RingBuffer

# Sources with a period up to this sleep between reads instead of waiting on the stop Event.
SLEEP_BELOW_PERIOD_S = 0.02


def next_tick(tick_s: float, now_s: float, period_s: float) -> float:
    """When the read after the one due at `tick_s` is due: one period on (no drift), skipping whole periods missed.

    A loop that fell behind (a slow read, a busy machine) resumes on its grid instead of bursting back-to-back
    reads to catch up, which would crowd the buffer with samples bunched in time.
    """
    next_s = tick_s + period_s
    behind_s = now_s - next_s
    if behind_s > period_s:
        next_s += period_s * math.floor(behind_s / period_s)
    return next_s


def sample_loop(
    source: Source,
    buf: RingBuffer,
    period_s: float,
    stop: threading.Event,
    clock: Callable[[], float],
    on_error: Callable[[str, Exception], None],
    on_end: Callable[[str, float, float], None],
) -> None:
    """Read `source` into `buf` every `period_s` until `stop` is set; `on_end` gets the thread's CPU and wall s."""
    next_t = started_t = clock()
    cpu0_s = time.thread_time()
    fast = period_s <= SLEEP_BELOW_PERIOD_S
    sleep = time.sleep
    try:
        while not stop.is_set():
            before = clock()
            try:
                readings = source.read()
                after = clock()
                buf.append(0.5 * (before + after), readings)
            except Exception as exc:  # a failing sensor is recorded (a row of NaN), and sampling goes on
                on_error(source.name, exc)
                after = clock()
                buf.append(0.5 * (before + after), {})
            next_t = next_tick(next_t, after, period_s)
            delay_s = next_t - after
            if delay_s > 0:
                # A fast source sleeps (Event.wait costs a lock and a condition per tick, a third of a 1 kHz
                # loop's CPU) and sees the stop flag one period later at most; a slow one waits on the Event.
                if fast:
                    sleep(delay_s)
                else:
                    stop.wait(delay_s)
    finally:
        on_end(source.name, time.thread_time() - cpu0_s, clock() - started_t)


__all__ = ["SLEEP_BELOW_PERIOD_S", "next_tick", "sample_loop"]
