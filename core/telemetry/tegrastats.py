"""NVIDIA's `tegrastats` as a telemetry source: one parser for the TX2, Nano, Xavier and Orin line formats.

tegrastats is the fallback where sysfs cannot be read (no permission, an unknown layout): it ships with every
JetPack, but it is a separate process printing a text line per interval (100 ms here), far from the paper's 1 kHz.

Formats handled (one line per interval, optionally prefixed by a date on JetPack 5 and later):
`RAM 2361/7846MB (lfb 1x4MB)`, `CPU [2%@345,off,...]` (or the older `CPU [2%,off]@345`), `GR3D_FREQ 12%@1300`,
`GR3D_FREQ 0%@[305,0]` (Orin, one clock per GPC), rails as `VDD_IN 1383/1383` (current/average mW, JetPack 4) or
`VDD_IN 5139mW/5139mW` (JetPack 5+), and temperatures like `CPU@35.5C` (-256C for a powered-down zone).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading

from core.telemetry.base import Probe
from core.telemetry.jetson_rails import is_unconnected, pick_total_rail, rail_key, total_power_mw

_RAM_RE = re.compile(r"\bRAM (\d+)/(\d+)([kMG])B")
_CPU_RE = re.compile(r"\bCPU \[([^\]]*)\]")
_GPU_RE = re.compile(r"\bGR3D_FREQ (?:(\d+)%)?(?:@\[?([\d,]+)\]?)?")
_RAIL_RE = re.compile(r"\b([A-Z][A-Z0-9_]*) (\d+)(?:mW)?/(\d+)(?:mW)?(?=\s|$)")
_TEMP_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9_]*)@(-?\d+(?:\.\d+)?)C\b")
_UNIT_BYTES = {"k": 1024, "M": 1024**2, "G": 1024**3}
_OFFLINE_TEMP_C = -256.0  # what tegrastats prints for a thermal zone that is powered down
_BASE_KEYS = ("power_mw", "gpu_load_pct", "gpu_freq_hz", "ram_used_bytes", "ram_total_bytes", "cpu_load_pct")


def parse_tegrastats_line(line: str) -> dict[str, float | None]:
    """Readings from one tegrastats line; each of the base names is present, None where the line lacks it.

    `power_mw` is the module input rail (VDD_IN, POM_5V_IN) or, on boards without one (Xavier AGX, Orin AGX), the
    sum of the rails, the same convention as TegraPowerSource. Rail values are the current ones, not tegrastats'
    running averages. Temperatures come out as `temp_<zone>_c`.
    """
    out: dict[str, float | None] = dict.fromkeys(_BASE_KEYS)
    ram = _RAM_RE.search(line)
    if ram:
        unit = _UNIT_BYTES[ram.group(3)]
        out["ram_used_bytes"] = float(int(ram.group(1)) * unit)
        out["ram_total_bytes"] = float(int(ram.group(2)) * unit)
    cpu = _CPU_RE.search(line)
    if cpu:
        loads = [float(m.group(1)) for core in cpu.group(1).split(",") if (m := re.match(r"\s*(\d+)%", core))]
        out["cpu_load_pct"] = sum(loads) / len(loads) if loads else None
    gpu = _GPU_RE.search(line)
    if gpu:
        out["gpu_load_pct"] = None if gpu.group(1) is None else float(gpu.group(1))
        clocks_mhz = [int(mhz) for mhz in (gpu.group(2) or "").split(",") if mhz]
        out["gpu_freq_hz"] = max(clocks_mhz) * 1e6 if clocks_mhz else None
    rails: dict[str, float | None] = {}
    for name, current_mw, _average_mw in _RAIL_RE.findall(line):
        if is_unconnected(name):
            continue
        rails[rail_key(name)] = float(current_mw)
    for key, power in rails.items():
        out[f"rail_{key}_power_mw"] = power
    if rails:
        out["power_mw"] = total_power_mw(rails, pick_total_rail(list(rails)))
    for zone, temp in _TEMP_RE.findall(line):
        celsius = float(temp)
        out[f"temp_{rail_key(zone)}_c"] = None if celsius == _OFFLINE_TEMP_C else celsius
    return out


class TegrastatsSource:
    """Runs `tegrastats --interval <ms>` and keeps the latest parsed line; a reader thread does the parsing.

    Some fields (GPU and EMC load on older JetPacks) need root; without it tegrastats leaves them out and the
    readings are None. Which fields each JetPack hides from non-root users was not verified here.
    """

    name = "tegrastats"

    def __init__(self, binary: str = "tegrastats", interval_ms: int = 100) -> None:
        self.binary = binary
        self.interval_ms = int(interval_ms)
        self.default_rate_hz = 1000.0 / self.interval_ms
        self._proc: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._latest: dict[str, float | None] = dict.fromkeys(_BASE_KEYS)
        self._first_line = threading.Event()
        self._last_other_line = ""

    def _start(self, path: str) -> None:
        self._proc = subprocess.Popen(
            [path, "--interval", str(self.interval_ms)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self._thread = threading.Thread(
            target=self._pump, args=(self._proc,), name="tegrastats-reader", daemon=True
        )
        self._thread.start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "RAM " in line:
                # One reference swap: a reader never sees a half-built dict.
                self._latest = parse_tegrastats_line(line)
                self._first_line.set()
            elif line.strip():
                self._last_other_line = line.strip()

    def probe(self) -> Probe:
        """Starts tegrastats if needed and waits briefly for its first line; says why when it cannot."""
        path = shutil.which(self.binary)
        if path is None:
            return Probe(False, f"{self.binary} not found on PATH")
        if self._proc is None:
            self._start(path)
        assert self._proc is not None
        self._first_line.wait(timeout=max(1.0, 3 * self.interval_ms / 1000.0))
        code = self._proc.poll()
        if code is not None:
            if self._thread is not None:
                self._thread.join(timeout=1.0)  # the reader ends at end of output: its last lines are taken
            said = f": {self._last_other_line}" if self._last_other_line else ""
            return Probe(False, f"{path} exited with status {code}{said}")
        if not self._first_line.is_set():
            return Probe(True, f"{path} started but printed no line yet", {"binary": path})
        rails = sorted(key[5:-9] for key in self._latest if key.startswith("rail_"))
        details = {
            "binary": path,
            "interval_ms": self.interval_ms,
            "rails": rails,
            "total_rail": pick_total_rail(rails),
        }
        return Probe(True, f"{path} every {self.interval_ms} ms", details)

    def read(self) -> dict[str, float | None]:
        """The latest line's readings (all None until tegrastats has printed one)."""
        if self._proc is None:
            path = shutil.which(self.binary)
            if path is not None:
                self._start(path)
        return dict(self._latest)

    def close(self) -> None:
        """Stops tegrastats and its reader thread; a later probe or read starts it afresh."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        self._latest = dict.fromkeys(_BASE_KEYS)
        self._first_line.clear()
