"""The Pareto front of one model's points over size, latency, energy (where measured) and accuracy.

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


@dataclass(frozen=True)
class FrontResult:
    """The front (points no other point beats on every metric), the metrics used, and what was left out."""

    front: tuple[Point, ...]
    metrics: tuple[str, ...]
    notes: tuple[str, ...]

    def keys(self) -> set[str]:
        return {p.key for p in self.front}


def _values(point: Point, metrics: tuple[str, ...], kind: str | None) -> tuple[float, ...]:
    """The point's figures as costs (lower is better): quality is negated."""
    out = []
    for name in metrics:
        if name in ("top1", "fidelity"):
            q = point.quality(name)
            assert q is not None
            out.append(-q)
        else:
            attr = next(a for n, a, _ in AXES if n == name)
            value = getattr(point, attr)
            assert value is not None
            out.append(value)
    return tuple(out)


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """a is no worse than b on every cost and better on at least one."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


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
    used = tuple(metrics)
    costs = {p.key: _values(p, used, kind) for p in pool}
    front = tuple(
        p for p in pool if not any(dominates(costs[q.key], costs[p.key]) for q in pool if q is not p)
    )
    return FrontResult(front, used, tuple(notes))
