"""What does the 1 kHz power sampler cost in CPU? (a TX2 board tree under a temp dir; no hardware)

Builds the TX2 sysfs tree of tests/fixtures/boards.py, samples it with core.telemetry.tegra_power at 1 kHz on the
Sampler's thread for N seconds (all 12 rails, then the input rail only), and prints the thread's CPU time as a share
of one core (time.thread_time, the same figure the result's environment block records), the achieved rate and the
per-read cost. The target is 2% of one core. Then the same at the rate the rig now picks (about twice the sensor's
refresh, core.telemetry.rate.matched_rate_hz): the TX2 driver's default configuration (422 ms refresh, ~4.7 Hz)
and a fast one (8.1 ms, ~246 Hz). Fixture files are page-cache reads, so on a board each read also costs
the driver's I2C transaction (kernel time, counted in the thread's CPU there too). Others using the CPU raise the
figure little (CPU time, not wall time) but can lower the achieved rate; the load average is printed.

    python benchmarks/bench_sampler_cpu.py [seconds] [rate_hz]    (rate_hz: the fixed rate compared, default 1000)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.telemetry.rate import matched_rate_hz  # noqa: E402
from core.telemetry.sampler import RingBuffer, Sampler  # noqa: E402
from core.telemetry.tegra_power import TegraPowerSource  # noqa: E402
from tests.fixtures.boards import make_tx2_tree  # noqa: E402
from tests.fixtures.sensor_model import CONFIG_8MS, set_ina_config  # noqa: E402


def one(root: Path, seconds: float, rate_hz: float, total_only: bool) -> None:
    source = TegraPowerSource(str(root), total_only=total_only)
    source.probe()
    rails = "input rail only" if total_only else f"{source.rails_read} rails"
    n = 20000
    t = time.thread_time()
    for _ in range(n):
        reading = source.read()
    read_us = (time.thread_time() - t) / n * 1e6
    buf = RingBuffer(n)
    t = time.thread_time()
    for i in range(n):
        buf.append(float(i), reading)
    append_us = (time.thread_time() - t) / n * 1e6
    t = time.thread_time()
    for _ in range(2000):
        time.sleep(0.0002)
    sleep_us = (time.thread_time() - t) / 2000 * 1e6
    sampler = Sampler([source], rates_hz={source.name: rate_hz}, capacity_s=seconds + 5)
    sampler.start()
    time.sleep(seconds)
    sampler.stop()
    cost = sampler.cost()
    src = cost["sources"][source.name]
    print(f"{rails:16s}: thread CPU {src['cpu_pct_of_one_core']:.2f}% of one core at target {rate_hz:g} Hz, "
          f"achieved {src['achieved_hz'] or 0:.1f} Hz; CPU per tick: read() {read_us:.1f} us, "
          f"append {append_us:.1f} us, sleep {sleep_us:.1f} us (= {(read_us + append_us + sleep_us) / 10:.2f}% "
          f"of a core at 1 kHz)")  # fmt: skip


def main(seconds: float = 5.0, rate_hz: float = 1000.0) -> None:
    print(f"load average {os.getloadavg()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = make_tx2_tree(tmp)
        print(f"-- fixed {rate_hz:g} Hz (before issue 18)")
        one(root, seconds, rate_hz, total_only=False)
        one(root, seconds, rate_hz, total_only=True)
        for label, config in (("TX2 default config", None), ("fast config", CONFIG_8MS)):
            if config is not None:
                set_ina_config(root, config)
            probe = TegraPowerSource(str(root))
            probe.probe()
            matched = matched_rate_hz(probe.update_interval_ms, probe.default_rate_hz)
            probe.close()
            print(
                f"-- matched to the sensor ({label}: refresh {probe.update_interval_ms:g} ms): {matched:.1f} Hz"
            )
            one(root, seconds, matched, total_only=False)
            one(root, seconds, matched, total_only=True)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:3]]
    main(*args)
