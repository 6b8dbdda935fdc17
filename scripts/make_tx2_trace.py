"""Records the demo run shipped as assets/traces/tx2-digits-cnn-q8.jsonl.gz (`tocompress --replay` plays it).

A real run of digits-cnn, baseline against q8 (the real worker processes, on this machine), recorded with the
session's recorder while its telemetry comes from a Jetson TX2 sysfs tree built by scripts/make_board_tree.py under
a temp dir. A writer thread drives the tree's INA3221 and GPU-load files from the run's own events: idle before
the model runs, CPU and memory rails up while a worker loads and compresses, GPU rail and GPU load up while it runs
inference (warm-up, timing, tracing, evaluating). So the power plot rises above idle exactly when inference runs;
the watts are synthetic (a script writes them), not measured on a TX2, and the note in the file says so.
Host memory and CPU load are this machine's real figures. Sampled at 100 Hz (power), 20 Hz (GPU), 10 Hz (host).

    python scripts/make_tx2_trace.py [OUT]
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.run.session import Session, SessionConfig  # noqa: E402
from core.runspec import RunOptions  # noqa: E402
from core.spec import CompressionSpec  # noqa: E402
from tests.fixtures.boards import TX2_MONITORS  # noqa: E402

OUT = ROOT / "assets" / "traces" / "tx2-digits-cnn-q8.jsonl.gz"
RATES_HZ = {"tegra-power": 100.0, "tegra-gpu": 20.0, "host": 10.0}
INFERENCE_PHASES = ("warmup", "timing", "tracing", "evaluating")
CPU_PHASES = ("load", "compress")
# Extra current (mA at 19.1 V) per rail by activity; VDD_IN carries the sum plus ~10% conversion loss.
EXTRA_MA = {
    "idle": {},
    "cpu": {"VDD_SYS_CPU": 40, "VDD_SYS_DDR": 15, "VDD_SYS_SOC": 5},
    "inference": {"VDD_SYS_GPU": 150, "VDD_SYS_CPU": 45, "VDD_SYS_SOC": 20, "VDD_SYS_DDR": 30},
}
GPU_LOAD_PER_MILLE = {"idle": (0, 30), "cpu": (0, 60), "inference": (700, 990)}
OPTIONS = RunOptions(
    warmup_iters=20,
    min_iters=50,
    max_iters=5000,
    min_seconds=2.0,
    max_seconds=4.0,
    trace_passes=2,
    idle_seconds=2.0,
)


class BoardDriver(threading.Thread):
    """Rewrites the tree's current, power and GPU-load files every 10 ms for the activity the run is in."""

    def __init__(self, root: Path, seed: int = 2018) -> None:
        super().__init__(name="board-driver", daemon=True)
        self.root = root
        self.activity = "idle"
        self.stop = threading.Event()
        self.rng = np.random.default_rng(seed)
        self.iio = {
            device: next((root / "devices/3160000.i2c/i2c-0" / device).glob("iio:device*"))
            for device in TX2_MONITORS
        }

    def on_event(self, event: dict) -> None:
        """The session's listener: the activity follows the worker's phases."""
        if event.get("type") == "phase":
            name = event.get("name")
            self.activity = (
                "inference" if name in INFERENCE_PHASES else "cpu" if name in CPU_PHASES else "idle"
            )
        elif event.get("type") == "session" and event.get("state") == "worker-start":
            self.activity = "cpu"  # the worker imports TensorFlow
        elif event.get("type") == "session" and event.get("state") in ("worker-exit", "done", "cancelled"):
            self.activity = "idle"

    def run(self) -> None:
        fds: dict[Path, int] = {}

        def put(path: Path, value: int) -> None:
            if path not in fds:
                fds[path] = os.open(path, os.O_WRONLY)
            os.pwrite(
                fds[path], f"{value:7d}\n".encode(), 0
            )  # one fixed-width write: a reader never sees half

        rng = self.rng
        while not self.stop.is_set():
            extra = {
                rail: ma * (1.0 + 0.08 * rng.standard_normal())
                for rail, ma in EXTRA_MA[self.activity].items()
            }
            for device, channels in TX2_MONITORS.items():
                for n, (label, mv, ma) in enumerate(channels):
                    current = ma + extra.get(label, 0.0) + rng.normal(0.0, 1.5)
                    if label == "VDD_IN":
                        current += 1.1 * sum(extra.values())
                    current = max(0, round(current))
                    put(self.iio[device] / f"in_current{n}_input", current)
                    put(self.iio[device] / f"in_power{n}_input", mv * current // 1000)
            put(
                self.root / "devices/17000000.gp10b/load",
                round(rng.uniform(*GPU_LOAD_PER_MILLE[self.activity])),
            )
            self.stop.wait(0.01)
        for fd in fds.values():
            os.close(fd)


NOTE = (
    "demo: a real digits-cnn baseline vs q8 run on a 2-core x86 machine; board telemetry from a TX2 sysfs tree "
    "driven by scripts/make_tx2_trace.py from the run's phases (synthetic watts and GPU load, not measured on a "
    "TX2); host memory and CPU load are the recording machine's"
)


def scrub(path: Path, tmp: str) -> None:
    """Say in the header what the file is; drop this machine's host name and temp paths from what was recorded."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().replace(tmp, "<tmp>").splitlines()
    header = json.loads(lines[0])
    header["note"] = NOTE
    lines[0] = json.dumps(header)
    for i, line in enumerate(lines[1:], start=1):
        obj = json.loads(line)
        result = obj.get("event", {}).get("result") if isinstance(obj.get("event"), dict) else None
        if result is not None:
            result["environment"]["hostname"] = None
            lines[i] = json.dumps(obj)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "sys"
        make_tree = [sys.executable, str(ROOT / "scripts" / "make_board_tree.py"), "tx2", str(tree)]
        subprocess.run(make_tree, check=True, stdout=subprocess.DEVNULL)
        driver = BoardDriver(tree)
        driver.start()
        time.sleep(0.05)  # the idle values are in place before the first reading
        partial = Path(tmp) / "trace.jsonl.gz"
        config = SessionConfig(
            model="digits-cnn",
            compression=CompressionSpec.parse("q8"),
            options=OPTIONS,
            workdir=Path(tmp) / "runs",
            sysfs_root=str(tree),
            sources=list(RATES_HZ),
            record_path=partial,
            rates_hz=RATES_HZ,
        )
        result = Session(config, driver.on_event).run()
        driver.stop.set()
        driver.join()
        scrub(partial, tmp)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(partial.read_bytes())
    runs = ", ".join(f"{r['variant']} {r['status']}" for r in result["runs"])
    print(f"wrote {out} ({out.stat().st_size} bytes): {result['status']} ({runs})")
    return 0 if result["status"] == "complete" else 1


if __name__ == "__main__":
    raise SystemExit(main())
