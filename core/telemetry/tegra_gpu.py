"""Jetson integrated-GPU load and clock read straight from the nvgpu driver's sysfs files.

The load file moved between JetPacks (`devices/gpu.0/load` on JetPack 4 and 5.0, `devices/platform/gpu.0/load`
from 5.1); the devfreq node named after the GPU (gp10b, gv11b, ga10b, gpu) gives the clock and a fallback load path.
"""

from __future__ import annotations

import os

from core.telemetry.base import Probe
from core.telemetry.sysfs_files import GONE_ERRNOS, read_text

_GPU_NAMES = ("gp10b", "gv11b", "ga10b", "gpu")  # TX2, Xavier, Orin (JetPack 5), Nano and Orin (JetPack 6)


def _gpu_devfreq(root: str) -> str | None:
    """The GPU's devfreq directory under `<root>/class/devfreq`, named by its device-tree node or device name."""
    class_dir = os.path.join(root, "class", "devfreq")
    if not os.path.isdir(class_dir):
        return None
    for entry in sorted(os.listdir(class_dir)):
        directory = os.path.join(class_dir, entry)
        of_name = os.path.join(directory, "device", "of_node", "name")
        node = read_text(of_name) if os.path.isfile(of_name) else entry.rsplit(".", 1)[-1]
        if node in _GPU_NAMES:
            return directory
    return None


class TegraGpuSource:
    """GPU load (and clock) of the Jetson's integrated GPU from the nvgpu driver's sysfs files.

    `load` is per mille, as nvgpu's devfreq governor last computed it; the update period of that average on each
    board was not verified here.
    """

    name = "tegra-gpu"
    default_rate_hz = 50.0

    def __init__(self, root: str = "/sys") -> None:
        self.root = str(root)
        self.load_path: str | None = None
        self.freq_path: str | None = None
        self._fds: dict[str, int] | None = None
        self._gone: dict[str, str] = {}
        self._open_error = ""

    def _discover(self) -> None:
        devfreq = _gpu_devfreq(self.root)
        candidates = [
            os.path.join(self.root, "devices", "gpu.0", "load"),  # JetPack 4 and 5.0
            os.path.join(self.root, "devices", "platform", "gpu.0", "load"),  # JetPack 5.1 and later
        ]
        if devfreq is not None:
            candidates.append(os.path.join(devfreq, "device", "load"))
            freq = os.path.join(devfreq, "cur_freq")
            self.freq_path = freq if os.path.isfile(freq) else None
        self.load_path = next((path for path in candidates if os.path.isfile(path)), None)
        self._fds = {}
        for key, path in (("gpu_load_pct", self.load_path), ("gpu_freq_hz", self.freq_path)):
            if path is not None:
                try:
                    self._fds[key] = os.open(path, os.O_RDONLY)
                except OSError as exc:
                    self._open_error = self._open_error or f"cannot open {path}: {exc.strerror}; run as root"

    def probe(self) -> Probe:
        """Whether GPU load can be read, from which file, and whether it vanished mid-run."""
        if self._fds is None:
            self._discover()
        if self.load_path is None:
            return Probe(
                False,
                f"no GPU load file under {os.path.join(self.root, 'devices', 'gpu.0')} or "
                f"{os.path.join(self.root, 'devices', 'platform', 'gpu.0')}, no {'/'.join(_GPU_NAMES)} devfreq "
                f"under {os.path.join(self.root, 'class', 'devfreq')}",
            )
        assert self._fds is not None
        if "gpu_load_pct" not in self._fds and "gpu_load_pct" not in self._gone:
            return Probe(False, self._open_error)
        for key, path in (("gpu_load_pct", self.load_path), ("gpu_freq_hz", self.freq_path)):
            if path is not None and key not in self._gone and not os.path.exists(path):
                self._gone[key] = f"{path} no longer exists"
        details = {"load_file": self.load_path, "freq_file": self.freq_path, "vanished": dict(self._gone)}
        if "gpu_load_pct" in self._gone:
            return Probe(False, f"GPU load vanished mid-run ({self._gone['gpu_load_pct']})", details)
        return Probe(True, f"GPU load from {self.load_path}", details)

    def read(self) -> dict[str, float | None]:
        """GPU load in percent and GPU clock in Hz; None for what is not there."""
        if self._fds is None:
            self._discover()
        assert self._fds is not None
        out: dict[str, float | None] = {"gpu_load_pct": None, "gpu_freq_hz": None}
        for key, fd in list(self._fds.items()):
            if key in self._gone:
                continue
            try:
                value = int(os.pread(fd, 32, 0))
            except OSError as exc:
                if exc.errno in GONE_ERRNOS:
                    self._gone[key] = f"{os.strerror(exc.errno)} on read"
                    os.close(self._fds.pop(key))
                continue
            except ValueError:
                continue
            out[key] = value / 10.0 if key == "gpu_load_pct" else float(value)
        return out

    def close(self) -> None:
        """Close the descriptors; a later read discovers the files again."""
        for fd in (self._fds or {}).values():
            os.close(fd)
        self._fds = None
        self._gone = {}
        self._open_error = ""
