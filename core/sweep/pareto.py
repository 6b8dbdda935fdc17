"""The Pareto front of one model's points over size, latency, energy (where measured) and accuracy.

Dominance reads intervals: a point dominates another only where it is better beyond the interval on some metric
and worse beyond it on none. Size and accuracy are deterministic (exact comparisons). Time and energy are compared
by their paired ratios against the baseline (the baseline is 1 exactly) and their 95% intervals; where not every
point has a ratio (a sweep file written before pairing), by the mean figures within each point's own latency CI
(energy is power times time, so its noise is at least the latency's). Two intervals that overlap are a tie, so a
0.6% difference inside the noise neither drops a point nor keeps one.

A metric enters the front only when every point has it: comparing a point that has energy with one that has not
would make domination depend on what a sensor happened to see. Metrics left out are named in `FrontResult.notes`.
Points equal on every metric used are ties; both stay on the front.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.sweep.points import Point, quality_kind

# (name, getter attribute, lower is better)
AXES: tuple[tuple[str, str, bool], ...] = (
    ("size", "size_bytes", True),
    ("latency", "latency_s", True),
    ("energy", "energy_j", True),
)
NOISY = ("latency", "energy")  # the axes measured with an interval

# A cost with its 95% interval (low, high); exact figures have low == high.
Cost = tuple[float, float]


@dataclass(frozen=True)
class FrontResult:
    """The front (points no other point beats on every metric), the metrics used, and what was left out."""

    front: tuple[Point, ...]
    metrics: tuple[str, ...]
    notes: tuple[str, ...]
    paired: tuple[str, ...] = ()  # the metrics compared by paired ratios (the others by their own figures)

    def keys(self) -> set[str]:
        return {p.key for p in self.front}


def _cost(point: Point, name: str, paired: bool) -> Cost:
    """The point's figure on one metric as a cost interval (lower is better): quality is negated."""
    if name in ("top1", "fidelity"):
        q = point.quality(name)
        assert q is not None
        return (-q, -q)
    if paired:
        found = point.ratio(name)
        assert found is not None
        return found[1]
    attr = next(a for n, a, _ in AXES if n == name)
    value = getattr(point, attr)
    assert value is not None
    if name in NOISY and point.latency_ci_pct is not None:
        half = abs(value) * point.latency_ci_pct / 100
        return (value - half, value + half)
    return (value, value)


def dominates(a: tuple[Cost, ...], b: tuple[Cost, ...]) -> bool:
    """a is better than b beyond the intervals on some cost and worse beyond them on none (overlap: a tie)."""
    pairs = list(zip(a, b, strict=True))
    better = any(ahi < blo for (_alo, ahi), (blo, _bhi) in pairs)
    worse = any(alo > bhi for (alo, _ahi), (_blo, bhi) in pairs)
    return better and not worse


def pareto_front(points: list[Point]) -> FrontResult:
    """The front of `points` (one model's); points missing a metric every other has are named, not dropped."""
    notes: list[str] = []
    pool = [p for p in points if p.status != "failed"]
    if len(pool) < len(points):
        notes.append(f"{len(points) - len(pool)} failed point(s) left out")
    if not pool:
        return FrontResult((), (), tuple(notes))
    kind = quality_kind(pool)
    candidates = [name for name, _, _ in AXES] + ([kind] if kind else [])
    metrics: list[str] = []
    for name in candidates:
        if name in ("top1", "fidelity"):
            have = sum(p.quality(name) is not None for p in pool)
        else:
            attr = next(a for n, a, _ in AXES if n == name)
            have = sum(getattr(p, attr) is not None for p in pool)
        if have == len(pool):
            metrics.append(name)
        elif have == 0:
            notes.append(f"{name} not measured on any point; left out of the front")
        else:
            notes.append(f"{name} measured on {have} of {len(pool)} points; left out of the front")
    if kind is None:
        notes.append("no accuracy or fidelity on any point; the front ignores quality")
    paired = tuple(name for name in metrics if name in NOISY and all(p.ratio(name) for p in pool))
    for name in (m for m in metrics if m in NOISY and m not in paired):
        unpaired = [p.setting for p in pool if p.ratio(name) is None]
        if any(p.ratio(name) for p in pool if not p.is_baseline):  # a file partly from before pairing
            notes.append(
                f"{name}: {', '.join(unpaired)} not paired with the baseline; "
                "compared by mean figures within each point's own CI"
            )
    used = tuple(metrics)
    costs = {p.key: tuple(_cost(p, name, name in paired) for name in used) for p in pool}
    front = tuple(
        p for p in pool if not any(dominates(costs[q.key], costs[p.key]) for q in pool if q is not p)
    )
    return FrontResult(front, used, tuple(notes), paired)
