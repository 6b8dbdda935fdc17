"""Jetson power-rail conventions shared by every source that reports rails: sysfs, tegrastats and jtop.

A rail's reading name comes from its label (`rail_<KEY>_power_mw`); channels marked NC and the INA3221 sum-of-shunts
channel are not rails. Board power (`power_mw`) is the module input rail where the module has one (VDD_IN on TX2,
Xavier NX, Orin NX/Nano; POM_5V_IN on Nano). Xavier AGX and Orin AGX have no single input rail, so there it is the
sum of all rails read, the convention NVIDIA's forum answers and jtop use; it leaves out regulator losses not seen by
any monitor, so it reads somewhat low.
"""

from __future__ import annotations

import re

INPUT_RAILS = ("VDD_IN", "POM_5V_IN")
"""Module input rails, by preference: when one is present it is the board's total power."""

_NC_RE = re.compile(r"(^|[^A-Z])NC([^A-Z]|$)")


def rail_key(label: str) -> str:
    """The reading-name form of a rail label: `VDD_IN` stays, anything not alphanumeric becomes `_`."""
    return re.sub(r"[^A-Za-z0-9]+", "_", label.strip()).strip("_")


def is_unconnected(label: str) -> bool:
    """True for channels the board marks NC (not connected) or the INA3221 sum-of-shunts channel."""
    return bool(_NC_RE.search(label.upper())) or "sum of shunt" in label.lower()


def pick_total_rail(rail_names: list[str]) -> str | None:
    """The module input rail among `rail_names`, or None when the board has none and the total is a sum of rails."""
    return next((name for name in INPUT_RAILS if name in rail_names), None)


def total_power_mw(rail_power_mw: dict[str, float | None], total_rail: str | None) -> float | None:
    """Board power: the input rail's reading, or the sum of all rails; None if any needed rail is unreadable."""
    if total_rail is not None:
        return rail_power_mw.get(total_rail)
    values = list(rail_power_mw.values())
    if not values or any(value is None for value in values):
        return None
    return float(sum(values))  # type: ignore[arg-type]
