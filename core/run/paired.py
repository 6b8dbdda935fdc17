"""The `paired` block of a compressed run: its latency, energy and power ratios against the baseline, each with a
95% interval over the paired-stage processes' ratios (core.run.paired_stage), or over one process's pairs of ABBA
blocks where only one ran (`--paired-processes 1`).

The paired stage (core.worker.paired_runner) times the blocks and gives the latency ratio; power is board-wide and
sampled here, so energy per inference and mean power per variant come from the sampler over each variant's own
blocks, paired the same way (core.measure.paired). Every block says how many distinct sensor updates it held,
since a power figure resting on one or two updates is not a measurement of that block.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.measure.paired import (
    ABBA,
    BLOCK_UPDATES,
    LATENCY_BLOCK_S,
    METHOD_PAIRS,
    METHOD_PROCESSES,
    MIN_PAIRS,
    group_log_ratios,
    halfwidth_pct,
    merge_stopped,
    ratio_interval,
)
from core.measure.timing import _t_crit

NO_SENSOR = "no power sensor on this machine (see `tocompress sensors`)"
Block = tuple[int, float, float, int, float]  # variant index (0 baseline, 1 compressed), t0, t1, n, seconds


def paired_block_seconds(
    requested_s: float | None, update_interval_ms: float | None, process_cap_s: float
) -> float:
    """The paired block length: the user's, else LATENCY_BLOCK_S, stretched where power is paired so that each block
    holds BLOCK_UPDATES updates of the sensor (`update_interval_ms`: its refresh; None without a power sensor), but
    never past what lets a process time MIN_PAIRS groups within its share of the cap (`process_cap_s`): through
    jtop's 422 ms refresh, 3 updates would take 1.4 s a block and a process could not finish one group in 3.3 s.
    Such blocks carry the few-updates warning, which names the options that lengthen them."""
    from core.telemetry.updates import min_window_seconds

    if requested_s is not None:
        return requested_s
    fits_s = process_cap_s / (MIN_PAIRS * len(ABBA))
    return max(LATENCY_BLOCK_S, min(min_window_seconds(update_interval_ms, BLOCK_UPDATES), fits_s))


def unmeasured(reason: str) -> dict[str, Any]:
    """A metric the paired stage could not pair: null ratio with the reason."""
    return {"ratio": None, "reason": reason}


def paired_block(
    event: dict[str, Any] | None,
    sampler: Any,
    power_source: str | None,
    idle_power_w: float | None,
    failure: str | None = None,
) -> dict[str, Any]:
    """The `paired` block of one paired-stage process from its `paired` event and the sampler's buffers."""
    against = str((event or {}).get("against") or "baseline")
    if event is None:
        reason = failure or "the paired stage reported no result"
        return {"against": against, **{k: unmeasured(reason) for k in ("latency", "energy", "power")}}
    blocks: list[Block] = [tuple(b) for b in event.get("blocks") or []]  # type: ignore[misc]
    latency = dict(event.get("latency") or {})
    energy, power = _power_pairs(blocks, latency, sampler, power_source, idle_power_w)
    return {"against": against, "latency": latency, "energy": energy, "power": power}


def _power_pairs(
    blocks: list[Block],
    latency: dict[str, Any],
    sampler: Any,
    power_source: str | None,
    idle_power_w: float | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Energy per inference above idle and mean power, per block from the power samples, paired over groups."""
    from core.telemetry.energy import energy_above_idle_j
    from core.telemetry.updates import count_updates

    if power_source is None or sampler is None:
        return unmeasured(NO_SENSOR), unmeasured(NO_SENSOR)
    if not blocks:
        return unmeasured("no paired blocks were timed"), unmeasured("no paired blocks were timed")
    series = sampler.window(min(b[1] for b in blocks), max(b[2] for b in blocks), bracket=True).get(
        power_source
    )
    if series is None or "power_mw" not in series.values:
        why = f"{power_source} gave no power readings during the paired blocks"
        return unmeasured(why), unmeasured(why)
    t, p_mw = np.asarray(series.t, dtype=float), np.asarray(series.values["power_mw"], dtype=float)
    covered = [energy_above_idle_j(t, p_mw, [(b[1], b[2])], 0.0) for b in blocks]
    if any(j is None for j in covered):
        why = "power samples do not cover every paired block (sensor gap or buffer overrun)"
        return unmeasured(why), unmeasured(why)
    total_j = [float(j or 0.0) for j in covered]
    updates = [count_updates(t, p_mw, b[1], b[2]) for b in blocks]
    common = {
        "pairs": latency.get("pairs"),
        "processes": 1,
        "method": METHOD_PAIRS.format(block_ms=float(latency.get("block_s") or 0.0) * 1000),
        "stopped": latency.get("stopped"),
        "block_s": latency.get("block_s"),
        "updates": updates,
        "min_updates": min(updates),
        "warning": _few_updates(updates),
        "source": power_source,
    }
    durations = [b[2] - b[1] for b in blocks]
    power = _ratio_block(total_j, durations, blocks, common, "mean_w")
    if idle_power_w is None:
        return unmeasured("idle power was not measured"), power
    above_j = [j - idle_power_w * d for j, d in zip(total_j, durations, strict=True)]
    energy = _ratio_block(above_j, [float(b[3]) for b in blocks], blocks, common, "j_per_inference")
    return energy, power


def _few_updates(updates: list[int]) -> str | None:
    """One line when some block held fewer than BLOCK_UPDATES sensor updates (a slow sensor repeats its value)."""
    fewest = min(updates)
    if fewest >= BLOCK_UPDATES:
        return None
    return (
        f"a paired block held {fewest} power-sensor update{'s' * (fewest != 1)}, fewer than {BLOCK_UPDATES}: the "
        "energy and power ratios are shaky; set a longer --paired-block (and --paired-seconds to fit its pairs)"
    )


def _ratio_block(
    costs: list[float], per: list[float], blocks: list[Block], common: dict[str, Any], unit_key: str
) -> dict[str, Any]:
    """Ratio and interval of cost/per (J per inference, J per second) between the variants' own blocks."""
    try:
        logs = group_log_ratios(costs, per)
        ratio, low, high = ratio_interval(logs)
    except ValueError as exc:
        return unmeasured(f"{exc} (energy above idle too small to pair)")
    means = {}
    for variant, name in ((0, "baseline"), (1, "compressed")):
        cost = sum(c for c, b in zip(costs, blocks, strict=True) if b[0] == variant)
        amount = sum(a for a, b in zip(per, blocks, strict=True) if b[0] == variant)
        means[name] = cost / amount if amount > 0 else None
    return {
        "ratio": ratio,
        "ratio_ci95": None if low is None else [low, high],
        **common,
        "halfwidth_pct": _finite(halfwidth_pct(ratio, low, high)),
        "per_variant": {"unit": unit_key, **means},
        "reason": None,
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def process_interval(parts: list[dict[str, Any]]) -> tuple[float, float | None, float | None]:
    """(ratio, low, high) over processes: the geometric mean of their ratios, and a 95% t-interval on K - 1 degrees
    of freedom from the larger of two variance estimates, the spread of the process ratios (process-to-process
    noise) and the one their own pairs give the mean.

    Why the larger: three ratios that agree by chance give a t-interval narrower than the noise inside each process
    allows (A/A, 3 processes: 0.993 (0.990-0.997), and 2 of 10 intervals missed 1). That floor is the modified
    Hartung-Knapp interval's, and like it keeps t on K - 1 degrees of freedom: the K process ratios are what the
    answer rests on, however many pairs each holds."""
    ratio, low, high = ratio_interval([math.log(p["ratio"]) for p in parts])
    own = [_own_se(p) for p in parts]
    if low is None or high is None or None in own:
        return ratio, low, high
    floor = float(_t_crit(len(parts) - 1)) * math.sqrt(sum(se * se for se in own if se)) / len(parts)
    half = max(floor, math.log(high / low) / 2)
    return ratio, ratio * math.exp(-half), ratio * math.exp(half)


def _own_se(part: dict[str, Any]) -> float | None:
    """A process's standard error of its log ratio, from its own interval and pairs; None without an interval."""
    ci, pairs = part.get("ratio_ci95"), int(part.get("pairs") or 0)
    if not ci or pairs < 2 or not ci[0] > 0:
        return None
    return math.log(ci[1] / ci[0]) / 2 / float(_t_crit(pairs - 1))


def merge_paired(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """One `paired` block from several paired-stage processes: per metric, the interval over the process ratios
    (process_interval), so process-to-process noise is inside it; the pairs summed, the minimum updates the
    smallest."""
    if len(blocks) == 1:
        return blocks[0]
    merged: dict[str, Any] = {"against": blocks[0].get("against", "baseline")}
    for key in ("latency", "energy", "power"):
        parts = [b.get(key) or {} for b in blocks]
        usable = [p for p in parts if p.get("ratio") is not None]
        if len(usable) < len(parts):
            why = next((p.get("reason") for p in parts if p.get("ratio") is None), None)
            merged[key] = unmeasured(f"{len(parts) - len(usable)} of {len(parts)} processes gave none: {why}")
            continue
        ratio, low, high = process_interval(usable)
        block_s = usable[0].get("block_s") or 0.0
        out = {
            **usable[0],
            "ratio": ratio,
            "ratio_ci95": None if low is None else [low, high],
            "pairs": sum(int(p.get("pairs") or 0) for p in usable),
            "processes": len(usable),
            "method": METHOD_PROCESSES.format(k=len(usable), block_ms=float(block_s) * 1000),
            "stopped": merge_stopped([str(p.get("stopped")) for p in usable]),
            "halfwidth_pct": _finite(halfwidth_pct(ratio, low, high)),
            "process_ratios": [p["ratio"] for p in usable],
        }
        out.pop("seconds", None)
        if "updates" in out:
            out["updates"] = [u for p in usable for u in p.get("updates") or []]
            out["min_updates"] = min(int(p.get("min_updates") or 0) for p in usable)
        out.pop("per_variant", None)
        merged[key] = out
    return merged


__all__ = ["merge_paired", "paired_block", "paired_block_seconds", "process_interval", "unmeasured"]
