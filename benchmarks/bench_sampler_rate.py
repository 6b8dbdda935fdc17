"""Does the sampler keep its rate, and how fast does it stop? (a scripted source, no hardware)

Runs one source that returns a counter at each target rate for N seconds and prints the rate achieved over the
buffer (core.telemetry.rate), the interval spread, and how long stop() took. The unit tests assert only behaviour
(rows in order, the thread gone after stop); these are the figures. Expect the target within a few percent on an
idle machine and a stop within one period (Event.wait, not sleep).

    python benchmarks/bench_sampler_rate.py [seconds] [rate_hz ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.telemetry.sampler import Sampler  # noqa: E402


class Counter:
    """The cheapest possible source: what is left is the sampler's own cost and the scheduler's jitter."""

    name = "counter"

    def __init__(self, rate_hz: float) -> None:
        self.default_rate_hz = rate_hz
        self.reads = 0

    def read(self) -> dict[str, float | None]:
        self.reads += 1
        return {"power_mw": float(self.reads)}

    def close(self) -> None:
        pass


def main(seconds: float = 2.0, rates_hz: tuple[float, ...] = (200.0, 1000.0)) -> None:
    for rate_hz in rates_hz:
        sampler = Sampler([Counter(rate_hz)])
        sampler.start()
        time.sleep(seconds)
        before_s = time.perf_counter()
        sampler.stop()
        stop_ms = (time.perf_counter() - before_s) * 1000.0
        t = sampler.snapshot()["counter"].t
        gaps_ms = np.diff(t) * 1000.0
        achieved = sampler.achieved_rate_hz("counter")
        print(f"target {rate_hz:7.1f} Hz: achieved {achieved or 0:7.1f} Hz over {len(t)} rows; interval median "
              f"{np.median(gaps_ms):.3f} ms, p99 {np.percentile(gaps_ms, 99):.3f} ms, max {gaps_ms.max():.3f} ms; "
              f"stop() took {stop_ms:.1f} ms; still running: {sampler.running}")  # fmt: skip


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    main(args[0] if args else 2.0, tuple(args[1:]) or (200.0, 1000.0))
