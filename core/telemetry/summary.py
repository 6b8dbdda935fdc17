"""Turn sampled telemetry over a worker's inference windows into the power, energy, GPU and memory result blocks.

Every figure that has no sensor behind it is None with the reason, so "not measured" never reads as zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Window = tuple[float, float, int]


def _series(sampler: Any, source: str | None, t0: float, t1: float) -> Any:
    if sampler is None or source is None:
        return None
    return sampler.window(t0, t1).get(source)


def _span(windows: list[Window]) -> tuple[float, float] | None:
    return (min(w[0] for w in windows), max(w[1] for w in windows)) if windows else None


def power_and_energy_blocks(
    sampler: Any, power_source: str | None, windows: list[Window], idle_power_w: float | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mean/peak power over the timed inferences and energy per inference above idle (the paper's definition)."""
    from core.telemetry.energy import energy_above_idle_j

    empty_power = {"mean_w": None, "peak_w": None, "idle_w": idle_power_w, "source": power_source, "rail": None,
                   "achieved_rate_hz": None, "n_samples": 0}
    if power_source is None:
        reason = "no power sensor on this machine (see `tocompress sensors`)"
        return {**empty_power, "reason": reason}, {"j_per_inference": None, "reason": reason}
    span = _span(windows)
    if span is None:
        reason = "the run ended before any timed inference"
        return {**empty_power, "reason": reason}, {"j_per_inference": None, "reason": reason}
    series = _series(sampler, power_source, *span)
    power_mw = None if series is None else series.values.get("power_mw")
    if power_mw is None or not np.isfinite(power_mw).any():
        reason = f"{power_source} gave no power readings during the timed inferences"
        return {**empty_power, "reason": reason}, {"j_per_inference": None, "reason": reason}
    valid = power_mw[np.isfinite(power_mw)]
    source_obj = next((s for s in getattr(sampler, "sources", []) if s.name == power_source), None)
    power = {
        "mean_w": float(valid.mean()) / 1000.0,
        "peak_w": float(valid.max()) / 1000.0,
        "idle_w": idle_power_w,
        "source": power_source,
        "rail": getattr(source_obj, "total_rail", None),
        "achieved_rate_hz": sampler.achieved_rate_hz(power_source),
        "n_samples": int(valid.size),
        "reason": None,
    }
    n_inferences = sum(w[2] for w in windows)
    if idle_power_w is None:
        energy = {"j_per_inference": None, "reason": "idle power was not measured (idle seconds set to 0?)"}
    elif n_inferences == 0:
        energy = {"j_per_inference": None, "reason": "no timed inferences"}
    else:
        total_j = energy_above_idle_j(series.t, power_mw, [(w[0], w[1]) for w in windows], idle_power_w)
        energy = {
            "j_per_inference": None if total_j is None else total_j / n_inferences,
            "reason": None if total_j is not None else "too few power samples inside the inference windows",
        }
    return power, energy


def gpu_block(sampler: Any, windows: list[Window]) -> dict[str, Any]:
    """Mean GPU load over the timed inferences, from whichever source reports `gpu_load_pct`."""
    span = _span(windows)
    for source in getattr(sampler, "sources", []):
        if span is None:
            break
        series = _series(sampler, source.name, *span)
        load = None if series is None else series.values.get("gpu_load_pct")
        if load is not None and np.isfinite(load).any():
            return {"mean_load_pct": float(np.nanmean(load)), "source": source.name, "reason": None}
    reason = "no GPU load sensor on this machine" if span else "the run ended before any timed inference"
    return {"mean_load_pct": None, "source": None, "reason": reason}


def memory_block(
    sampler: Any,
    timing_start: float | None,
    windows: list[Window],
    preload_rss_bytes: int | None,
    post_timing_rss_bytes: int | None,
    phases: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Peak RSS of the worker while it ran inference, and its growth over the RSS before the model was loaded."""
    peaks: list[float] = []
    span = _span(windows)
    if span is not None and sampler is not None:
        lo = timing_start if timing_start is not None else span[0]
        for series in sampler.window(lo, span[1]).values():
            rss = series.values.get("rss_bytes")
            if rss is not None and np.isfinite(rss).any():
                peaks.append(float(np.nanmax(rss)))
    if post_timing_rss_bytes is not None:
        peaks.append(float(post_timing_rss_bytes))
    warm = phases.get("timing", {}).get("rss_bytes")
    if warm is not None:
        peaks.append(float(warm))
    peak = int(max(peaks)) if peaks else None
    return {
        "preload_rss_bytes": preload_rss_bytes,
        "peak_rss_bytes": peak,
        "delta_rss_bytes": None if peak is None or preload_rss_bytes is None else peak - int(preload_rss_bytes),
        "source": "host sampler by pid + worker reports",
        "reason": None if peak is not None else "the run ended before inference started",
    }
