"""A board's onboard power sensor calibrated against an external meter: the fit, where it is kept, how it applies.

Onboard INA3221 rails can read well below an external meter (up to 50% on Jetson boards, arXiv 2306.13107) and miss
the carrier board; a linear fit against a meter brings them within a few %. The fit is stored per board as
`<dir>/<board-id>.json`, dir = $TOCOMPRESS_CALIBRATION_DIR, else $XDG_CONFIG_HOME/tocompress/calibration, else
~/.config/tocompress/calibration. Model: onboard_w = gain x meter_w + offset_w, so the calibrated figure is
(onboard_w - offset_w) / gain; an energy above idle only divides by the gain (the offset cancels).
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.errors import UserError

UNCALIBRATED = "uncalibrated onboard sensor"


class CalibrationError(UserError, ValueError):
    """A calibration that cannot be made or read (a bad meter trace, a fit that does not hold)."""


@dataclass(frozen=True)
class Calibration:
    """One board's fit of its onboard power figure against an external meter (gain x meter + offset)."""

    board_id: str
    source: str  # the power source calibrated (tegra-power, jtop, ...)
    rail: str | None  # its total rail (VDD_IN), None where the total is a sum of rails
    gain: float
    offset_w: float
    gain_se: float  # standard error of the gain (the fit's own uncertainty)
    residual_w: float  # RMS of onboard - fit over the fitted points
    n_points: int
    lag_s: float  # meter clock minus onboard clock, found by cross-correlating the load steps
    created: str
    meter_file: str

    def calibrated_w(self, raw_w: float | None) -> float | None:
        """A power reading (W) as the meter would have read it."""
        return None if raw_w is None else (raw_w - self.offset_w) / self.gain

    def calibrated_delta(self, raw: float | None) -> float | None:
        """A difference of readings (energy above idle, J; an interval half-width) as the meter would see it."""
        return None if raw is None else raw / self.gain

    def applies_to(self, source: str | None, rail: str | None) -> bool:
        return source == self.source and rail == self.rail

    def label(self) -> str:
        return (
            f"calibrated against an external meter ({self.created[:10]}): gain {self.gain:.4f}, "
            f"offset {self.offset_w:+.3f} W, residual {self.residual_w:.3f} W"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_dir() -> Path:
    """Where calibrations live unless a path is given (see the module docstring)."""
    override = os.environ.get("TOCOMPRESS_CALIBRATION_DIR")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "tocompress" / "calibration"


def _devicetree_text(sysfs_root: str, name: str) -> str | None:
    path = Path(sysfs_root) / "firmware" / "devicetree" / "base" / name
    try:
        return path.read_bytes().rstrip(b"\x00").decode(errors="replace").strip() or None
    except OSError:
        return None


def board_id(sysfs_root: str = "/sys") -> str:
    """This board, for its calibration's file name: device-tree model and serial number (hostname without one).

    Per board, not per model: shunt resistors and regulators differ from one unit to the next.
    """
    model = _devicetree_text(sysfs_root, "model") or "unknown-board"
    unit = _devicetree_text(sysfs_root, "serial-number") or socket.gethostname()
    return re.sub(r"[^A-Za-z0-9]+", "-", f"{model}-{unit}").strip("-").lower()


def calibration_path(board: str, directory: Path | None = None) -> Path:
    return (directory or default_dir()) / f"{board}.json"


def save_calibration(calibration: Calibration, directory: Path | None = None) -> Path:
    """Write the board's calibration atomically (a crash leaves the old one or the new one)."""
    path = calibration_path(calibration.board_id, directory)
    data = json.dumps({"version": 1, **calibration.to_json()}, indent=2).encode() + b"\n"
    try:
        return write_atomic(path, [data])
    except OSError as exc:
        raise CalibrationError(f"cannot write {path}: {exc.strerror}; pass --calibration-dir") from exc


def load_calibration(board: str, directory: Path | None = None) -> tuple[Calibration | None, str]:
    """(the board's calibration or None, a note): no file is normal; an unreadable one is said, never fatal."""
    path = calibration_path(board, directory)
    if not path.exists():
        return None, UNCALIBRATED
    try:
        data = json.loads(path.read_text())
        data.pop("version", None)
        calibration = Calibration(**data)
    except (OSError, ValueError, TypeError) as exc:
        return (
            None,
            f"{UNCALIBRATED} (calibration file {path} unreadable: {exc}; run `tocompress calibrate` again)",
        )
    if not calibration.gain > 0:
        return None, f"{UNCALIBRATED} (calibration file {path} has gain {calibration.gain}; calibrate again)"
    return calibration, str(path)


__all__ = ["UNCALIBRATED", "Calibration", "CalibrationError", "board_id", "calibration_path", "default_dir",
           "load_calibration", "save_calibration"]  # fmt: skip
