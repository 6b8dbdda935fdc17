"""NVML: the mapping from NVML's own answer types, and the probe's honest failure on a machine without a driver.

The structs below are pynvml's real ctypes types filled with values in NVML's documented units (power in mW,
energy in mJ, memory in bytes, utilization in %); no NVML call is faked.
"""

from __future__ import annotations

import ctypes.util

import pynvml
import pytest

from core.telemetry.nvml import KEYS, NvmlSource, nvml_readings, summarize_nvml_error


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


def test_probe_on_this_machine_is_honest():
    source = NvmlSource()
    probe = source.probe()
    try:
        if probe.available:  # a machine with an NVIDIA GPU: real numbers
            r = source.read()
            assert r["gpu_mem_total_bytes"] > 0
            assert probe.details["gpu"]
        else:
            assert probe.reason
            assert source.read() == dict.fromkeys(KEYS)
    finally:
        source.close()


@pytest.mark.skipif(ctypes.util.find_library("nvidia-ml") is not None, reason="this machine has libnvidia-ml")
def test_probe_without_the_driver_says_library_not_found():
    probe = NvmlSource().probe()
    assert not probe.available
    assert probe.reason.startswith("NVML library not found (no NVIDIA driver)")
