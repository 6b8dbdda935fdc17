"""What machine a result was measured on: board, L4T/JetPack, power mode, Python, TensorFlow, backend.

Results from different boards or power modes are not comparable, so every result file records this.
"""

from __future__ import annotations

import platform
import re
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

# L4T major.minor -> JetPack release line, for the versions users meet on TX2 and later boards.
_JETPACK_BY_L4T = {
    "32.7": "4.6",
    "32.6": "4.6",
    "32.5": "4.5",
    "32.4": "4.4",
    "32.3": "4.3",
    "32.2": "4.2",
    "32.1": "4.2",
    "28.2": "3.2",
    "28.1": "3.1",
    "35.5": "5.1.3",
    "35.4": "5.1.2",
    "35.3": "5.1.1",
    "35.2": "5.1",
    "35.1": "5.0.2",
    "36.2": "6.0",
    "36.3": "6.0",
    "36.4": "6.1",
}


def board_model(sysfs_root: str = "/sys") -> str | None:
    """The device-tree model string ("NVIDIA Jetson TX2"), or None off a board."""
    path = Path(sysfs_root) / "firmware" / "devicetree" / "base" / "model"
    try:
        return path.read_bytes().rstrip(b"\x00").decode(errors="replace").strip() or None
    except OSError:
        return None


def l4t_release(etc_root: str = "/etc") -> str | None:
    """L4T version from nv_tegra_release ("# R32 (release), REVISION: 7.1" -> "32.7.1"), or None."""
    try:
        text = (Path(etc_root) / "nv_tegra_release").read_text(errors="replace")
    except OSError:
        return None
    m = re.search(r"R(\d+) \(release\), REVISION: ([\d.]+)", text)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def jetpack_for(l4t: str | None) -> str | None:
    if not l4t:
        return None
    return _JETPACK_BY_L4T.get(".".join(l4t.split(".")[:2]))


def nvpmodel_mode() -> str | None:
    """The board's power mode (`nvpmodel -q`), which changes every timing and power figure; None off a board."""
    if not shutil.which("nvpmodel"):
        return None
    try:
        out = subprocess.run(["nvpmodel", "-q"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"NV Power Mode:\s*(.+)", out)
    return m.group(1).strip() if m else None


def collect_environment(sysfs_root: str = "/sys") -> dict[str, Any]:
    """Everything about this machine a reader needs to judge a result; TensorFlow fields are filled by the worker."""
    l4t = l4t_release()
    return {
        "hostname": socket.gethostname(),
        "machine": platform.machine(),
        "os": platform.platform(),
        "board": board_model(sysfs_root),
        "l4t": l4t,
        "jetpack": jetpack_for(l4t),
        "nvpmodel": nvpmodel_mode(),
        "python": platform.python_version(),
        "cpu_count": _cpu_count(),
        "tensorflow": None,
        "backend": None,
        "worker_python": None,
        # What measuring cost (issue 9): filled by the session (sampler, pinning) and the dashboard (its mode).
        "dashboard_mode": "none",
        "sampler": None,
        "pinning": None,
    }


def sampler_cost(sampler: Any) -> dict[str, Any] | None:
    """The sampler's CPU share and rates (core.telemetry.sampler.Sampler.cost) once it has stopped; None without one."""
    if sampler is None:
        return None
    return sampler.cost()


def _cpu_count() -> int | None:
    import os

    return os.cpu_count()
