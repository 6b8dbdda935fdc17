"""Turn sampled telemetry over a worker's inference windows into the power, energy, GPU and memory result blocks.

The power and energy blocks are core.telemetry.power_block (re-exported here). Every figure that has no sensor behind it is None with the reason, so "not measured" never reads as zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.telemetry.power_block import power_and_energy_blocks

Window = tuple[float, float, int]


def _span(windows: list[Window]) -> tuple[float, float] | None:
    return (min(w[0] for w in windows), max(w[1] for w in windows)) if windows else None


def gpu_block(sampler: Any, windows: list[Window]) -> dict[str, Any]:
    """Mean GPU load over the timed inferences, from whichever source reports `gpu_load_pct`."""
    span = _span(windows)
    by_source = sampler.window(*span) if span is not None and sampler is not None else {}
    for source in getattr(
        sampler, "sources", []
    ):  # in the sampler's order, which is the detection preference
        series = by_source.get(source.name)
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
        "delta_rss_bytes": None
        if peak is None or preload_rss_bytes is None
        else peak - int(preload_rss_bytes),
        "source": "host sampler by pid + worker reports",
        "reason": None if peak is not None else "the run ended before inference started",
    }


__all__ = ["gpu_block", "memory_block", "power_and_energy_blocks"]
