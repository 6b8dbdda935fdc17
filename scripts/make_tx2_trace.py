"""Regenerates assets/traces/tx2-synthetic.jsonl.gz: a TX2-tree run recorded through the real sources and the Recorder.

The board is tests.fixtures.boards.make_tx2_tree under a temp dir; a writer thread rewrites its INA3221 and GPU load
files in place (fixed-width, as the drivers' values change) following a synthetic profile: 3 s idle, three 2 s
inference bursts with 0.5 s gaps, then 2.5 s idle. TegraPowerSource (100 Hz, to keep the file small), TegraGpuSource
(20 Hz) and HostSource (10 Hz, this machine's real figures) are sampled by the Sampler through Recorder.wrap().
The power figures are synthetic, not measured on a TX2.

    python scripts/make_tx2_trace.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.telemetry.host import HostSource  # noqa: E402
from core.telemetry.jetson_sysfs import TegraGpuSource, TegraPowerSource  # noqa: E402
from core.telemetry.replay import Recorder  # noqa: E402
from core.telemetry.sampler import Sampler  # noqa: E402
from tests.fixtures.boards import TX2_MONITORS, make_tx2_tree  # noqa: E402

OUT = ROOT / "assets" / "traces" / "tx2-synthetic.jsonl.gz"
BURSTS_S = [(3.0, 5.0), (5.5, 7.5), (8.0, 10.0)]
DURATION_S = 12.5
# Extra current (mA at 19.1 V) per rail while the model runs; VDD_IN carries the sum plus ~10% conversion loss.
LOAD_MA = {"VDD_SYS_GPU": 150, "VDD_SYS_CPU": 45, "VDD_SYS_SOC": 20, "VDD_SYS_DDR": 30}


def busy(t: float) -> bool:
    return any(t0 <= t < t1 for t0, t1 in BURSTS_S)


def drive(root: Path, start: float, stop: threading.Event, rng: np.random.Generator) -> None:
    """Rewrite the tree's files every 2 ms: current and power per channel, GPU load per mille."""
    iio = {
        device: next((root / "devices/3160000.i2c/i2c-0" / device).glob("iio:device*"))
        for device in TX2_MONITORS
    }
    fds: dict[Path, int] = {}

    def put(path: Path, value: int) -> None:
        if path not in fds:
            fds[path] = os.open(path, os.O_WRONLY)
        os.pwrite(fds[path], f"{value:7d}\n".encode(), 0)  # one fixed-width write: a reader never sees half

    while True:
        t = time.monotonic() - start
        on = busy(t)
        extra = {
            rail: (ma if on else 0) * (1.0 + 0.08 * rng.standard_normal()) for rail, ma in LOAD_MA.items()
        }
        for device, channels in TX2_MONITORS.items():
            for n, (label, mv, ma) in enumerate(channels):
                current = ma + extra.get(label, 0.0) + rng.normal(0.0, 1.5)
                if label == "VDD_IN":
                    current += 1.1 * sum(extra.values())
                current = max(0, round(current))
                put(iio[device] / f"in_current{n}_input", current)
                put(iio[device] / f"in_power{n}_input", mv * current // 1000)
        load = rng.uniform(700, 990) if on else rng.uniform(0, 30)
        put(root / "devices/17000000.gp10b/load", round(load))
        if stop.wait(0.002):
            break
    for fd in fds.values():
        os.close(fd)


def main() -> None:
    rng = np.random.default_rng(2018)
    with tempfile.TemporaryDirectory() as tmp:
        root = make_tx2_tree(tmp)
        stop = threading.Event()
        sources = [TegraPowerSource(root=tmp), TegraGpuSource(root=tmp), HostSource(os.getpid())]
        note = (
            "synthetic: TX2 sysfs tree (tests/fixtures/boards.py) driven by scripts/make_tx2_trace.py; "
            f"inference bursts at {BURSTS_S} s after the first row (+-10 ms), idle otherwise; host figures from the machine "
            "that generated it"
        )
        with Recorder(OUT, {s.name: s.probe() for s in sources}, note=note) as recorder:
            sampler = Sampler(
                [recorder.wrap(s) for s in sources], rates_hz={"tegra-power": 100.0, "tegra-gpu": 20.0}
            )
            start = time.monotonic()
            writer = threading.Thread(target=drive, args=(root, start, stop, rng), daemon=True)
            writer.start()
            time.sleep(0.005)  # the idle values are in place before the first row
            sampler.start()
            time.sleep(DURATION_S)
            sampler.stop()
            stop.set()
            writer.join()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes); errors: {sampler.errors or 'none'}")


if __name__ == "__main__":
    main()
