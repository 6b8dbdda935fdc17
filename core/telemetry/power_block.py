"""The result's power and energy blocks for one variant: figures over the timing windows, their intervals, the
sensor's refresh and the updates they rest on, MLPerf's cross-check, and the board's calibration where it applies.

Every figure is computed on the raw onboard readings first; a calibration (core.telemetry.calibration) then maps
them to what the external meter would have read, and the raw figures stay beside the calibrated ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.telemetry.calibration import UNCALIBRATED, Calibration
from core.telemetry.energy import power_summary
from core.telemetry.energy_interval import (
    Window,
    batch_windows,
    energy_per_inference,
    mlperf_cross_check,
    window_energies,
)
from core.telemetry.updates import count_updates, few_updates_warning


@dataclass(frozen=True)
class PowerContext:
    """What the rig knows about the power figure beyond the samples: idle with its interval, the sensor's refresh,
    the rate it is sampled at, and the board's calibration (None: uncalibrated, `calibration_note` says why)."""

    idle: dict[str, Any] | None = None  # core.telemetry.energy_interval.idle_estimate
    update_interval_ms: float | None = None
    rate_hz: float | None = None
    calibration: Calibration | None = None
    calibration_note: str = UNCALIBRATED


def _series(sampler: Any, power_source: str | None, windows: Sequence[Window]) -> tuple[Any, Any, str | None]:
    if power_source is None:
        return None, None, "no power sensor on this machine (see `tocompress sensors`)"
    if not windows:
        return None, None, "the run ended before any timed inference"
    series = sampler.window(min(w[0] for w in windows), max(w[1] for w in windows), bracket=True).get(
        power_source
    )
    if series is None or "power_mw" not in series.values:
        return None, None, f"{power_source} gave no power readings during the timed inferences"
    return series.t, series.values["power_mw"], None


def power_and_energy_blocks(
    sampler: Any,
    power_source: str | None,
    windows: list[Window],
    idle_power_w: float | None,
    context: PowerContext | None = None,
    blocks: Sequence[Sequence[Window]] | None = None,
    mean_latency_s: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mean/peak power over the timed inferences and energy per inference above idle, with their intervals.

    `blocks`: the timing windows grouped as the run timed them (the paired design's ABBA blocks); None: the
    windows form one timing window. The interval then comes from the blocks when there are two or more, else from
    batches of the windows. `mean_latency_s` (per timed iteration) feeds MLPerf's cross-check.
    """
    ctx = context or PowerContext()
    t_s, power_mw, reason = _series(sampler, power_source, windows)
    source_obj = next((s for s in getattr(sampler, "sources", []) if s.name == power_source), None)
    rail = getattr(source_obj, "total_rail", None)
    spans = [(w[0], w[1]) for w in windows]
    power = power_summary(t_s, power_mw, spans, sum(w[2] for w in windows), idle_power_w,
                          source=power_source, rail=rail, reason=reason)  # fmt: skip
    energy: dict[str, Any] = {
        "j_per_inference": power.pop("energy_j_per_inference"),
        "reason": power["reason"],
    }
    if power["mean_w"] is not None:
        power["reason"] = None  # power was measured; a remaining reason concerns energy only
    idle = ctx.idle or {}
    power.update(idle_ci95_halfwidth_w=idle.get("ci95_halfwidth_w"), sensor_update_interval_ms=ctx.update_interval_ms,
                 sampling_rate_hz=ctx.rate_hz, sensor_updates_per_window=[])  # fmt: skip
    energy.update(ci95_halfwidth_j=None, ci95_halfwidth_pct=None, n_windows=0, interval_reason=energy["reason"],
                  warning=None, mlperf_j_per_inference=None, mlperf_difference_pct=None)  # fmt: skip
    if t_s is not None and power_mw is not None and idle_power_w is not None:
        groups = [list(b) for b in blocks] if blocks else [list(windows)]
        updates = [
            count_updates(t_s, power_mw, min(w[0] for w in g), max(w[1] for w in g)) for g in groups if g
        ]
        power["sensor_updates_per_window"] = updates
        energy["warning"] = few_updates_warning(updates, ctx.update_interval_ms)
        refresh_s = (ctx.update_interval_ms or 0.0) / 1000.0
        batches = groups if len(groups) >= 2 else batch_windows(windows, 2.0 * refresh_s)
        estimate = energy_per_inference(
            window_energies(t_s, power_mw, batches, idle_power_w), idle.get("ci95_halfwidth_w")
        )
        energy.update(
            {
                k: estimate[k]
                for k in ("ci95_halfwidth_j", "ci95_halfwidth_pct", "n_windows", "interval_reason")
            }
        )
        energy.update(
            mlperf_cross_check(
                mean_latency_s, _float(power["mean_w"]), idle_power_w, energy["j_per_inference"]
            )
        )
    _apply_calibration(power, energy, ctx, power_source, rail)
    return power, energy


def _apply_calibration(
    power: dict[str, Any], energy: dict[str, Any], ctx: PowerContext, source: str | None, rail: str | None
) -> None:
    """Calibrated figures in place of the raw ones where the board's calibration fits this source; raw kept."""
    cal = ctx.calibration
    if cal is None or not cal.applies_to(source, rail):
        note = ctx.calibration_note if cal is None else (
            f"{UNCALIBRATED} (the calibration is for {cal.source} {cal.rail or 'sum of rails'})"
        )  # fmt: skip
        power["calibration"] = {"applied": False, "label": note}
        power["raw"] = None
        energy["figure"] = "raw onboard"
        energy["raw_j_per_inference"] = energy["j_per_inference"]
        return
    power["raw"] = {k: power[k] for k in ("mean_w", "peak_w", "idle_w", "idle_ci95_halfwidth_w")}
    energy["raw_j_per_inference"] = energy["j_per_inference"]
    for key in ("mean_w", "peak_w", "idle_w"):
        power[key] = cal.calibrated_w(power[key])
    power["idle_ci95_halfwidth_w"] = cal.calibrated_delta(power["idle_ci95_halfwidth_w"])
    for key in ("j_per_inference", "mlperf_j_per_inference"):
        energy[key] = cal.calibrated_delta(energy[key])
    if energy["ci95_halfwidth_pct"] is not None:  # the gain's own uncertainty widens the interval
        pct = math.hypot(energy["ci95_halfwidth_pct"], 196.0 * cal.gain_se / cal.gain)
        energy["ci95_halfwidth_pct"] = pct
        energy["ci95_halfwidth_j"] = abs(energy["j_per_inference"]) * pct / 100.0
    power["calibration"] = {"applied": True, "label": cal.label(), "board_id": cal.board_id, "gain": cal.gain,
                            "offset_w": cal.offset_w, "residual_w": cal.residual_w, "file": ctx.calibration_note}  # fmt: skip
    energy["figure"] = "calibrated"


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


__all__ = ["PowerContext", "power_and_energy_blocks"]
