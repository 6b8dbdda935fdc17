"""Does an hour of 1 kHz sampling stay inside a fixed memory budget? (no threads, no sleeping: rows pushed directly)

Pushes one hour of rows (3.6 M, 13 readings each, like a TX2's rails) into the ring buffer the Sampler gives a 1 kHz
source with the default 600 s capacity, as fast as possible, and prints RSS before/after, the buffer's bytes, and
the push cost per row. The buffer should stop growing at capacity (600,000 rows) however long the run.

    python benchmarks/bench_sampler_memory.py [hours] [rate_hz] [capacity_s]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.telemetry.sampler import RingBuffer  # noqa: E402

RAILS = ["VDD_IN", "VDD_SYS_GPU", "VDD_SYS_SOC", "VDD_4V0_WIFI", "VDD_SYS_CPU", "VDD_SYS_DDR", "VDD_MUX",
         "VDD_5V0_IO_SYS", "VDD_3V3_SYS", "VDD_3V3_IO_SLP", "VDD_1V8_IO", "VDD_3V3_SYS_M2"]  # fmt: skip


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.1f} MiB"


def main(hours: float = 1.0, rate_hz: float = 1000.0, capacity_s: float = 600.0) -> None:
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    buf = RingBuffer(int(rate_hz * capacity_s))
    reading = {"power_mw": 2827.0, **{f"rail_{r}_power_mw": 100.0 for r in RAILS}}
    rows = int(hours * 3600 * rate_hz)
    checkpoints = {rows // 10 * k for k in range(1, 11)}
    start = time.perf_counter()
    for i in range(rows):
        buf.append(i / rate_hz, reading)
        if i + 1 in checkpoints:
            print(f"  {(i + 1) / rate_hz / 60:6.1f} min: {len(buf):>8} rows, buffer {mib(buf.nbytes)}, "
                  f"RSS {mib(proc.memory_info().rss)}")  # fmt: skip
    elapsed_s = time.perf_counter() - start
    rss1 = proc.memory_info().rss
    newest = buf.select((rows - 1) / rate_hz)
    assert (
        len(buf) == buf.capacity_rows and len(newest) == 1
    )  # bounded, and the newest row is the last pushed
    print(
        f"pushed {rows:,} rows ({hours:g} h at {rate_hz:g} Hz) in {elapsed_s:.1f} s: {elapsed_s / rows * 1e6:.2f} us/row"
    )
    print(f"capacity {buf.capacity_rows:,} rows ({capacity_s:g} s), {1 + len(reading)} float64 columns")
    print(f"buffer {mib(buf.nbytes)}; RSS before {mib(rss0)}, after {mib(rss1)}, growth {mib(rss1 - rss0)}")
    t = time.perf_counter()
    recent = buf.select((rows - 1) / rate_hz - 10.0)
    print(f"snapshot of the last 10 s ({len(recent):,} rows): {(time.perf_counter() - t) * 1e3:.2f} ms")


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:4]))
