"""How often an INA3221 monitor produces a new reading, from its configuration files: reading faster only repeats.

- Upstream `ina3221` hwmon driver (JetPack 5 and later): `hwmon<K>/update_interval`, in ms (the kernel computes it
  from the enabled channels, the averaging count `samples` and the conversion times).
- NVIDIA's `ina3221x` iio driver (JetPack 4): no interval file. `running_mode` says 1 (continuous: the chip converts
  on its own and a read returns the latest result) or 0 (triggered: every read starts a conversion and waits for
  it, so each read is fresh but slow). In continuous mode the interval follows from the configuration register the
  device tree sets (`of_node/ti,continuous-config`, a big-endian u32); the driver's own default is 0x7727 (3 channels,
  64 averages, 1.1 ms bus and shunt conversions: 3 x 2.2 ms x 64 = 422 ms).
"""

from __future__ import annotations

import os

from core.telemetry.sysfs_files import read_text

_CONVERSION_US = (140, 204, 332, 588, 1100, 2116, 4156, 8244)  # the CT field's 3-bit codes (datasheet table)
_AVERAGES = (1, 4, 16, 64, 128, 256, 512, 1024)


def interval_from_config_ms(config: int) -> float | None:
    """The update interval a configuration register value gives in continuous mode; None when not continuous."""
    if config & 0x7 != 0x7:  # mode bits: 7 is continuous shunt and bus
        return None
    channels = bin((config >> 12) & 0x7).count("1")
    averages = _AVERAGES[(config >> 9) & 0x7]
    conversion_us = _CONVERSION_US[(config >> 6) & 0x7] + _CONVERSION_US[(config >> 3) & 0x7]
    return channels * conversion_us * averages / 1000.0


def update_interval(directory: str) -> tuple[float | None, str]:
    """(interval in ms or None, how it was found) for one monitor's iio or hwmon directory."""
    hwmon_file = os.path.join(directory, "update_interval")
    if os.path.exists(hwmon_file):
        try:
            return float(read_text(hwmon_file)), f"{hwmon_file} (ms)"
        except (OSError, ValueError) as exc:
            return None, f"{hwmon_file} unreadable: {exc}"
    mode_file = os.path.join(directory, "running_mode")
    try:
        mode = read_text(mode_file).strip()
    except OSError:
        return None, "no update_interval or running_mode file"
    if mode == "0":
        return None, "triggered mode: each read starts a conversion (fresh, but the read waits for it)"
    dt_file = os.path.join(os.path.dirname(directory), "of_node", "ti,continuous-config")
    try:
        with open(dt_file, "rb") as f:
            raw = f.read(4)
        config = int.from_bytes(raw, "big")
    except OSError:
        return None, "continuous mode; the device tree's ti,continuous-config is not readable"
    interval = interval_from_config_ms(config)
    return interval, f"continuous mode, ti,continuous-config 0x{config:04x}"


__all__ = ["interval_from_config_ms", "update_interval"]
