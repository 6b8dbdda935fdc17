"""jetson-stats (`jtop`) as a telemetry source: power, GPU load and memory from the jtop.service daemon.

jtop is the friendliest path on a Jetson where it is installed: the service runs as root, so it sees what a user
cannot. It is slow, though: the service updates at the interval its first client asked for (1 s by default, we
ask for 0.1 s), so reading it faster than that repeats values. The client library is imported only when the
service's socket exists, so nothing here costs anything on a machine without jtop.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from core.telemetry.base import Probe
from core.telemetry.jetson_rails import rail_key

# Fixed by jetson-stats (jtop.service.JTOP_PIPE): its client connects only there.
JTOP_SOCKET = "/run/jtop.sock"
_BASE_KEYS = (
    "power_mw",
    "gpu_load_pct",
    "gpu_freq_hz",
    "ram_used_bytes",
    "ram_total_bytes",
    "gpu_mem_used_bytes",
    "gpu_mem_total_bytes",
)


def _number(value: Any, scale: float = 1.0) -> float | None:
    return float(value) * scale if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def map_jtop_stats(
    power: Mapping[str, Any], gpu: Mapping[str, Any], memory: Mapping[str, Any]
) -> dict[str, float | None]:
    """Our readings from jtop's `jetson.power`, `jetson.gpu` and `jetson.memory` (jetson-stats 4.x to 7.x shapes).

    jtop removes the input rail (VDD_IN, POM_5V_IN) from `power["rail"]` and puts it in `power["tot"]` with its
    name; without one, `tot` is its sum of rails, None here when a rail is offline (a rail jtop cannot read at
    all it drops from that sum silently, which this cannot see). Memory is in kB; `RAM["shared"]` is what the GPU
    holds of the RAM it shares with the CPU (NvMap), so the GPU's memory total is the RAM total.
    """
    out: dict[str, float | None] = dict.fromkeys(_BASE_KEYS)
    total = power.get("tot") or {}
    rails = dict(power.get("rail") or {})
    if "name" in total:
        rails[total["name"]] = total
    summed_with_gap = "name" not in total and not all(rail.get("online", True) for rail in rails.values())
    out["power_mw"] = None if summed_with_gap else _number(total.get("power"))
    for name, rail in rails.items():
        online = rail.get("online", True)
        key = rail_key(name)
        out[f"rail_{key}_power_mw"] = _number(rail.get("power")) if online else None
        out[f"rail_{key}_voltage_mv"] = _number(rail.get("volt")) if online else None
        out[f"rail_{key}_current_ma"] = _number(rail.get("curr")) if online else None
    first_gpu = next(iter(gpu.values()), None)
    if first_gpu is not None:
        out["gpu_load_pct"] = _number((first_gpu.get("status") or {}).get("load"))
        out["gpu_freq_hz"] = _number((first_gpu.get("freq") or {}).get("cur"), 1000.0)  # kHz
    ram = memory.get("RAM") or {}
    out["ram_used_bytes"] = _number(ram.get("used"), 1024.0)
    out["ram_total_bytes"] = _number(ram.get("tot"), 1024.0)
    out["gpu_mem_used_bytes"] = _number(ram.get("shared"), 1024.0)
    out["gpu_mem_total_bytes"] = out["ram_total_bytes"]
    return out


def jtop_client(interval_s: float) -> Any:
    """A jetson-stats client asking the service for `interval_s` updates (not started; imports jtop here)."""
    from jtop import jtop

    return jtop(interval=interval_s)


# jetson-stats' client refuses a service whose major.minor differs (jtop.jtop.start, all versions 4.x to 7.x).
_MISMATCH = re.compile(r"Mismatch version jtop service: \[([^\]]+)\] and client: \[([^\]]+)\]")


def connect_error(exc: BaseException) -> str:
    """One line for a client that could not start; a version mismatch names both versions and the fix.

    On a TX2 the service runs jetson-stats 4.3.x under the stock Python 3.6 while the dashboard's newer Python has
    its own client, so a mismatch is the likely failure there (checked with the 4.3.2 service under Python 3.6).
    """
    text = str(exc).strip()
    match = _MISMATCH.search(text)
    if match:
        service, client = match.groups()
        series = ".".join(service.split(".")[:2])
        return (
            f"jtop.service runs jetson-stats {service} but the dashboard's client is {client} (major.minor must "
            f"match): pip install 'jetson-stats=={series}.*' into the dashboard's Python; sysfs sources used instead"
        )
    first_line = (text.splitlines() or [type(exc).__name__])[0]
    return f"jtop.service did not answer: {first_line}"


class JtopSource:
    """Readings from a running jtop.service through the jetson-stats client (`from jtop import jtop`).

    `socket_path` and `client` (interval in s -> an unstarted client) are where tests and other machines plug in;
    the defaults are the real service's socket and jetson-stats' client, which itself always connects there.
    """

    name = "jtop"
    default_rate_hz = 10.0

    def __init__(self, socket_path: str = JTOP_SOCKET, client: Callable[[float], Any] = jtop_client) -> None:
        self.socket_path = socket_path
        self._client = client
        self._jetson: Any = None
        self._error = ""

    def probe(self) -> Probe:
        """Connects to jtop.service when its socket exists; says how to start it when not."""
        if not os.path.exists(self.socket_path):
            return Probe(
                False,
                f"jtop.service is not active (no {self.socket_path}): install with "
                "`sudo pip3 install -U jetson-stats` and reboot or `sudo systemctl restart jtop.service`",
            )
        if self._jetson is None and not self._error:
            self._connect()
        if self._error:
            return Probe(False, self._error)
        details = {
            "service_interval_s": self._jetson.interval,
            "rails": sorted((self._jetson.power or {}).get("rail", {})),
            "total_rail": ((self._jetson.power or {}).get("tot") or {}).get("name"),
        }
        return Probe(
            True, f"jtop.service at {self.socket_path}, updating every {self._jetson.interval} s", details
        )

    @property
    def update_interval_ms(self) -> float | None:
        """How often the service refreshes its readings (its first client's interval); None before connecting."""
        interval = getattr(self._jetson, "interval", None)
        return float(interval) * 1000.0 if isinstance(interval, int | float) and interval > 0 else None

    def _connect(self) -> None:
        try:
            jetson = self._client(1.0 / self.default_rate_hz)
            jetson.start()
        except Exception as exc:  # the client raises JtopException, OSError or ValueError by cause
            self._error = connect_error(exc)
            return
        self._jetson = jetson

    def read(self) -> dict[str, float | None]:
        """The service's latest values mapped to our names; all None when it is not reachable."""
        if self._jetson is None and not self._error and os.path.exists(self.socket_path):
            self._connect()
        if self._jetson is None:
            return dict.fromkeys(_BASE_KEYS)
        try:
            if not self._jetson.ok(spin=True):  # non-blocking; raises what the client's thread hit
                raise ConnectionError("jtop client stopped")
            return map_jtop_stats(self._jetson.power or {}, self._jetson.gpu, self._jetson.memory)
        except Exception as exc:
            self._error = f"jtop.service connection lost: {exc}"
            self.close()
            return dict.fromkeys(_BASE_KEYS)

    def close(self) -> None:
        """Disconnects from the service."""
        jetson, self._jetson = self._jetson, None
        if jetson is not None:
            try:
                jetson.close()
            except Exception:  # closing a client whose connection already broke
                pass
