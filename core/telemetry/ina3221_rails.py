"""Where a Jetson's INA3221 channels are in sysfs: found by walking the i2c drivers, never hard-coded to one board.

- JetPack 4 (TX2, Nano, Xavier on L4T 32): the `ina3221x` iio driver, `<root>/bus/i2c/drivers/ina3221x/<bus>-<addr>/
  iio:device<K>/` with `rail_name_<N>`, `in_power<N>_input` (mW), `in_voltage<N>_input` (mV), `in_current<N>_input` (mA).
- JetPack 5 and later (Xavier, Orin): the upstream `ina3221` hwmon driver, `<root>/bus/i2c/drivers/ina3221/<bus>-<addr>/
  hwmon/hwmon<K>/` with `in<N>_label`, `in<N>_input` (bus mV), `curr<N>_input` (mA); power = mV * mA / 1000.
  Channels labelled NC (not connected, Orin AGX) and the sum-of-shunts channel (in7) are skipped.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

from core.telemetry.jetson_rails import is_unconnected, rail_key
from core.telemetry.sysfs_files import read_text

_DEVICE_RE = re.compile(r"\d+-[0-9a-f]{4}")


@dataclass
class Rail:
    """One INA3221 channel: its name, where its files are, and the descriptors kept open for the hot path."""

    key: str
    device: str
    driver: str
    directory: str
    power_path: str | None  # iio only; hwmon power is computed from voltage and current
    voltage_path: str
    current_path: str
    power_fd: int = -1
    voltage_fd: int = -1
    current_fd: int = -1
    gone: str = ""  # why the rail stopped answering mid-run, "" while it answers

    def close_fds(self) -> None:
        """Close whatever descriptors this rail holds (a later read reopens through discovery)."""
        for attr in ("power_fd", "voltage_fd", "current_fd"):
            fd = getattr(self, attr)
            if fd >= 0:
                os.close(fd)
                setattr(self, attr, -1)


def _iio_rails(device: str, directory: str) -> list[Rail]:
    rails = []
    for name_path in sorted(glob.glob(os.path.join(directory, "rail_name_*"))):
        n = name_path.rsplit("_", 1)[1]
        label = read_text(name_path)
        voltage = os.path.join(directory, f"in_voltage{n}_input")
        current = os.path.join(directory, f"in_current{n}_input")
        power = os.path.join(directory, f"in_power{n}_input")
        if is_unconnected(label) or not os.path.exists(power):
            continue
        rails.append(Rail(rail_key(label), device, "ina3221x", directory, power, voltage, current))
    return rails


def _hwmon_rails(device: str, directory: str) -> list[Rail]:
    rails = []
    for label_path in sorted(glob.glob(os.path.join(directory, "in*_label"))):
        n = os.path.basename(label_path)[2:].split("_", 1)[0]
        label = read_text(label_path)
        voltage = os.path.join(directory, f"in{n}_input")
        current = os.path.join(directory, f"curr{n}_input")
        if n == "7" or is_unconnected(label) or not (os.path.exists(voltage) and os.path.exists(current)):
            continue
        rails.append(Rail(rail_key(label), device, "ina3221", directory, None, voltage, current))
    return rails


def discover_rails(root: str) -> list[Rail]:
    """Every connected INA3221 channel under `<root>/bus/i2c/drivers`, in device then channel order."""
    rails: list[Rail] = []
    for driver in ("ina3221x", "ina3221"):
        driver_dir = os.path.join(root, "bus", "i2c", "drivers", driver)
        if not os.path.isdir(driver_dir):
            continue
        for device in sorted(d for d in os.listdir(driver_dir) if _DEVICE_RE.fullmatch(d)):
            device_dir = os.path.join(driver_dir, device)
            for iio in sorted(glob.glob(os.path.join(device_dir, "iio:device*"))):
                rails += _iio_rails(device, iio)
            for hwmon in sorted(glob.glob(os.path.join(device_dir, "hwmon", "hwmon*"))):
                rails += _hwmon_rails(device, hwmon)
    seen: set[str] = set()
    for rail in rails:
        if rail.key in seen:  # two monitors with one label: keep both, told apart by their I2C device
            rail.key = f"{rail.key}_{rail.device.replace('-', '_')}"
        seen.add(rail.key)
    return rails


def describe_devices(rails: list[Rail]) -> dict[str, dict[str, dict[str, str]]]:
    """Per monitor, per rail: the files its power, voltage and current come from (for `tocompress sensors`)."""
    devices: dict[str, dict[str, dict[str, str]]] = {}
    for rail in rails:
        where = f"{rail.driver} {rail.device} ({os.path.basename(rail.directory)})"
        power = rail.power_path or f"{rail.voltage_path} x {os.path.basename(rail.current_path)} / 1000"
        devices.setdefault(where, {})[rail.key] = {
            "power_mw": power,
            "voltage_mv": rail.voltage_path,
            "current_ma": rail.current_path,
        }
    return devices


__all__ = ["Rail", "describe_devices", "discover_rails"]
