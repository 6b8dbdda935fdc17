"""The energy figure in words, per run: its interval, MLPerf's cross-check, idle, the sensor it rests on, and
whether it is calibrated; a warning line when a timing window held too few sensor updates."""

from __future__ import annotations

from typing import Any


def fmt_ms(ms: float) -> str:
    """A sensor's refresh in words: "422 ms", "8.11 ms" (whole milliseconds from 10 up, as a datasheet gives them)."""
    return f"{ms:,.0f} ms" if ms >= 10 else f"{ms:.3g} ms"


def _joules(value: float) -> str:
    return f"{value * 1000:.3g} mJ" if abs(value) < 1 else f"{value:.3g} J"


def energy_lines(result: dict[str, Any]) -> list[tuple[str, bool]]:
    """(line, is_warning) per run with an energy figure, then its warning if any; [] when none was measured."""
    lines: list[tuple[str, bool]] = []
    for run in result.get("runs") or []:
        energy, power = run.get("energy") or {}, run.get("power") or {}
        value = energy.get("j_per_inference")
        if value is None:
            continue
        text = f"{run.get('variant')}: energy {_joules(value)}"
        if energy.get("ci95_halfwidth_pct") is not None:
            text += f" ± {energy['ci95_halfwidth_pct']:.1f}%"
        text += " per inference above idle"
        if (
            energy.get("mlperf_j_per_inference") is not None
            and energy.get("mlperf_difference_pct") is not None
        ):
            text += (
                f"; MLPerf-style (mean latency x mean power above idle) {_joules(energy['mlperf_j_per_inference'])},"
                f" {energy['mlperf_difference_pct']:+.1f}%"
            )
        if power.get("idle_w") is not None:
            idle_hw = power.get("idle_ci95_halfwidth_w")
            text += (
                f"; idle {power['idle_w']:.2f}" + (f" ± {idle_hw:.3f}" if idle_hw is not None else "") + " W"
            )
        sensor = []
        if power.get("sensor_update_interval_ms"):
            sensor.append(f"sensor refresh {fmt_ms(power['sensor_update_interval_ms'])}")
        if power.get("sampling_rate_hz"):
            sensor.append(f"sampled at {power['sampling_rate_hz']:.3g} Hz")
        updates = power.get("sensor_updates_per_window") or []
        if updates:
            sensor.append(f"{min(updates)} updates in the sparsest window")
        if sensor:
            text += "; " + ", ".join(sensor)
        calibration = power.get("calibration") or {}
        label = calibration.get("label") or "uncalibrated onboard sensor"
        if calibration.get("applied") and energy.get("raw_j_per_inference") is not None:
            label += f" (raw onboard {_joules(energy['raw_j_per_inference'])})"
        lines.append((f"{text}; {label}", False))
        if energy.get("warning"):
            lines.append((f"{run.get('variant')}: {energy['warning']}", True))
    return lines


__all__ = ["energy_lines"]
