"""Discrete NVIDIA GPU power, energy, load and memory through NVML (nvidia-ml-py), for desktop and server hosts.

Jetson boards have no NVML (integrated GPU); there the tegra sources apply. pynvml is imported lazily so a machine
without the driver only pays for it when probing. On recent GPUs `nvmlDeviceGetPowerUsage` is a ~1 s average,
while the total-energy counter is exact, so energy_mj is read wherever the GPU supports it.
"""

from __future__ import annotations

from typing import Any

from core.telemetry.base import Probe

KEYS = ("power_mw", "energy_mj", "gpu_load_pct", "gpu_mem_used_bytes", "gpu_mem_total_bytes")

_KNOWN_ERRORS = {
    "NVMLError_LibraryNotFound": "NVML library not found (no NVIDIA driver)",
    "NVMLError_DriverNotLoaded": "NVIDIA driver is installed but not loaded",
    "NVMLError_NoPermission": "no permission to query the NVIDIA GPU",
    "NVMLError_GpuIsLost": "the NVIDIA GPU fell off the bus",
    "NVMLError_InsufficientPower": "the NVIDIA GPU lacks power (check its power cables)",
}


def summarize_nvml_error(exc: BaseException) -> str:
    """A one-line reason from an NVML failure: what it means, then NVML's own text."""
    if isinstance(exc, ImportError):
        return "nvidia-ml-py is not installed (pip install nvidia-ml-py)"
    known = _KNOWN_ERRORS.get(type(exc).__name__)
    text = str(exc).strip() or type(exc).__name__
    return f"{known}: {text}" if known else f"NVML failed: {text}"


def nvml_readings(
    power_mw: int | None, energy_mj: int | None, utilization: Any | None, memory: Any | None
) -> dict[str, float | None]:
    """Readings from NVML's raw answers (None where a call is unsupported): power in mW, energy in mJ,
    `utilization` a c_nvmlUtilization_t (.gpu %), `memory` a c_nvmlMemory_t (.used, .total bytes)."""
    return {
        "power_mw": None if power_mw is None else float(power_mw),
        "energy_mj": None if energy_mj is None else float(energy_mj),
        "gpu_load_pct": None if utilization is None else float(utilization.gpu),
        "gpu_mem_used_bytes": None if memory is None else float(memory.used),
        "gpu_mem_total_bytes": None if memory is None else float(memory.total),
    }


class NvmlSource:
    """One NVIDIA GPU by index; every field that NVML cannot give here is None.

    `nvml` is the NVML binding to use (pynvml's module surface: nvmlInit, nvmlDeviceGet*, NVMLError); None imports
    pynvml on first use. Tests pass their own, so the outcome does not depend on the machine's GPU.
    """

    name = "nvml"
    default_rate_hz = 20.0
    total_rail = "GPU board"

    def __init__(self, index: int = 0, nvml: Any = None) -> None:
        self.index = index
        self._nvml: Any = nvml
        self._handle: Any = None
        self._energy_supported = True

    def probe(self) -> Probe:
        try:
            self._open()
            nvml, handle = self._nvml, self._handle
            details = {
                "gpu": nvml.nvmlDeviceGetName(handle),
                "driver": nvml.nvmlSystemGetDriverVersion(),
                "index": self.index,
                "energy_counter": self._call("nvmlDeviceGetTotalEnergyConsumption") is not None,
                "power_reading": self._call("nvmlDeviceGetPowerUsage") is not None,
            }
        except Exception as exc:
            return Probe(False, summarize_nvml_error(exc))
        return Probe(True, f"NVML: GPU {self.index} {details['gpu']}", details)

    def read(self) -> dict[str, float | None]:
        try:
            self._open()
        except Exception:
            return dict.fromkeys(KEYS)
        energy_mj = self._call("nvmlDeviceGetTotalEnergyConsumption") if self._energy_supported else None
        self._energy_supported = energy_mj is not None
        return nvml_readings(
            self._call("nvmlDeviceGetPowerUsage"),
            energy_mj,
            self._call("nvmlDeviceGetUtilizationRates"),
            self._call("nvmlDeviceGetMemoryInfo"),
        )

    def close(self) -> None:
        if self._handle is not None:
            self._handle = None
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                pass  # shutting down a lost GPU cannot fail the caller

    def _open(self) -> None:
        if self._handle is not None:
            return
        if self._nvml is None:
            import pynvml

            self._nvml = pynvml
        nvml = self._nvml
        nvml.nvmlInit()
        count = nvml.nvmlDeviceGetCount()
        if not 0 <= self.index < count:
            nvml.nvmlShutdown()
            raise LookupError(f"no NVIDIA GPU at index {self.index} (NVML sees {count})")
        self._handle = nvml.nvmlDeviceGetHandleByIndex(self.index)

    def _call(self, function: str) -> Any:
        """One NVML query on our GPU; None when this GPU or driver does not support it or it fails."""
        try:
            return getattr(self._nvml, function)(self._handle)
        except self._nvml.NVMLError:
            return None
