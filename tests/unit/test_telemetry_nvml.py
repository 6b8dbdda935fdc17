"""NVML: the mapping from NVML's own answer types, the source through an injected binding, and its honest failures.

The structs below are pynvml's real ctypes types and exceptions, with values in NVML's documented units (power in
mW, energy in mJ, memory in bytes, utilization in %). The source gets its NVML binding as a parameter, so these tests
give the same answers on a machine with or without an NVIDIA GPU.
"""

from __future__ import annotations

import pynvml

from core.telemetry.nvml import KEYS, NvmlSource, nvml_readings, summarize_nvml_error
from tests.fixtures.sensors import AbsentNvml


def test_mapping_keeps_units_and_names():
    util = pynvml.c_nvmlUtilization_t(gpu=87, memory=41)
    memory = pynvml.c_nvmlMemory_t(total=16_945_512_448, free=12_000_000_000, used=4_945_512_448)
    r = nvml_readings(68_123, 912_345_678, util, memory)
    assert r == {
        "power_mw": 68_123.0,
        "energy_mj": 912_345_678.0,
        "gpu_load_pct": 87.0,
        "gpu_mem_used_bytes": 4_945_512_448.0,
        "gpu_mem_total_bytes": 16_945_512_448.0,
    }


def test_mapping_gives_none_for_unsupported_queries():
    assert nvml_readings(None, None, None, None) == dict.fromkeys(KEYS)


def test_error_summaries_from_real_nvml_exceptions():
    lib = pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    assert (
        summarize_nvml_error(lib)
        == "NVML library not found (no NVIDIA driver): NVML Shared Library Not Found"
    )
    assert summarize_nvml_error(pynvml.NVMLError(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)).startswith(
        "NVIDIA driver is installed but not loaded"
    )
    assert summarize_nvml_error(ImportError("no pynvml")).startswith("nvidia-ml-py is not installed")
    assert summarize_nvml_error(LookupError("no NVIDIA GPU at index 3 (NVML sees 1)")) == (
        "NVML failed: no NVIDIA GPU at index 3 (NVML sees 1)"
    )


class OneGpuNvml:
    """pynvml's module surface for a machine with one GPU, answering in NVML's types and units; `no_energy` makes
    the energy counter unsupported, as on GPUs before Volta."""

    NVMLError = pynvml.NVMLError

    def __init__(self, no_energy: bool = False) -> None:
        self.no_energy = no_energy
        self.initialized = 0

    def nvmlInit(self) -> None:
        self.initialized += 1

    def nvmlShutdown(self) -> None:
        self.initialized -= 1

    def nvmlDeviceGetCount(self) -> int:
        return 1

    def nvmlDeviceGetHandleByIndex(self, index: int) -> str:
        return f"handle-{index}"

    def nvmlDeviceGetName(self, handle: str) -> str:
        return "NVIDIA H200"

    def nvmlSystemGetDriverVersion(self) -> str:
        return "570.86.15"

    def nvmlDeviceGetPowerUsage(self, handle: str) -> int:
        return 68_123

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: str) -> int:
        if self.no_energy:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return 912_345_678

    def nvmlDeviceGetUtilizationRates(self, handle: str) -> pynvml.c_nvmlUtilization_t:
        return pynvml.c_nvmlUtilization_t(gpu=87, memory=41)

    def nvmlDeviceGetMemoryInfo(self, handle: str) -> pynvml.c_nvmlMemory_t:
        return pynvml.c_nvmlMemory_t(total=16_945_512_448, free=12_000_000_000, used=4_945_512_448)


def test_probe_and_read_through_the_binding():
    nvml = OneGpuNvml()
    source = NvmlSource(nvml=nvml)
    probe = source.probe()
    assert probe.available and probe.reason == "NVML: GPU 0 NVIDIA H200"
    assert probe.details == {
        "gpu": "NVIDIA H200",
        "driver": "570.86.15",
        "index": 0,
        "energy_counter": True,
        "power_reading": True,
    }
    assert source.read() == {
        "power_mw": 68_123.0,
        "energy_mj": 912_345_678.0,
        "gpu_load_pct": 87.0,
        "gpu_mem_used_bytes": 4_945_512_448.0,
        "gpu_mem_total_bytes": 16_945_512_448.0,
    }
    source.close()
    assert nvml.initialized == 0


def test_unsupported_energy_counter_reads_none_not_zero():
    source = NvmlSource(nvml=OneGpuNvml(no_energy=True))
    assert source.probe().details["energy_counter"] is False
    reading = source.read()
    assert reading["energy_mj"] is None and reading["power_mw"] == 68_123.0
    source.close()


def test_a_gpu_index_nvml_does_not_see_is_one_line():
    probe = NvmlSource(index=3, nvml=OneGpuNvml()).probe()
    assert not probe.available
    assert probe.reason == "NVML failed: no NVIDIA GPU at index 3 (NVML sees 1)"


def test_probe_without_the_driver_says_library_not_found():
    source = NvmlSource(nvml=AbsentNvml())
    probe = source.probe()
    assert not probe.available
    assert probe.reason.startswith("NVML library not found (no NVIDIA driver)")
    assert source.read() == dict.fromkeys(KEYS)
