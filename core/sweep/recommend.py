"""The best setting of one model's sweep under constraints, by one objective, with the runners-up.

Constraints: accuracy drop against the baseline (points), size (MB, 10^6 bytes), mean latency (ms). A point
whose figure for a constraint is missing does not meet it (unknown is not "within"). When no point meets every
constraint, the closest point is given: the smallest sum, over the constraints it breaks, of the overshoot
divided by the limit (an accuracy limit of 0 points counts as 1 point, so the division is defined).

Time and energy are ranked by their paired ratios against the baseline where every ranked point has one (the
figures the front reads, core.sweep.pareto), else by the mean figures. A runner-up whose interval overlaps the
choice's is a tie within noise: the recommendation names it (`ties_within_noise`), since measuring again could
swap them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import UserError
from core.sweep.points import Point, accuracy_drop_points, baseline_of, quality_kind

OBJECTIVES = {"energy": "energy_j", "latency": "latency_s", "size": "size_bytes"}
FALLBACK = "latency"
REL_TIE = 1e-9  # objective values this close (relative) are a tie
LIMIT_EPS = 1e-9  # (1.0 - 0.99) * 100 is 1.0000000000000009: a point exactly at a limit meets it


class RecommendError(UserError, ValueError):
    """The recommendation cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class Constraints:
    max_accuracy_drop_points: float | None = None
    max_size_mb: float | None = None
    max_latency_ms: float | None = None


@dataclass(frozen=True)
class Candidate:
    point: Point
    objective_value: float
    accuracy_drop_points: float | None
    broken: tuple[str, ...]  # constraints it does not meet, in words
    distance: float  # 0 when it meets them all; see the module docstring


@dataclass
class Recommendation:
    """The answer for one model: `best` (None when nothing meets the constraints), runners-up, notes."""

    model: str
    objective: str
    best: Candidate | None
    runners_up: list[Candidate] = field(default_factory=list)
    closest: Candidate | None = None
    notes: list[str] = field(default_factory=list)
    ties_within_noise: list[str] = field(default_factory=list)  # settings the best cannot be told apart from
    by_ratio: bool = False  # ranked by paired ratios against the baseline (else by the mean figures)

    def to_dict(self) -> dict[str, Any]:
        """The recommendation as `tocompress recommend --json` writes it."""
        return {
            "model": self.model,
            "objective": self.objective,
            "by_ratio": self.by_ratio,
            "best": _candidate_dict(self.best),
            "runners_up": [_candidate_dict(c) for c in self.runners_up],
            "closest": _candidate_dict(self.closest),
            "ties_within_noise": list(self.ties_within_noise),
            "notes": list(self.notes),
        }


def _candidate_dict(c: Candidate | None) -> dict[str, Any] | None:
    if c is None:
        return None
    found = c.point.ratio("latency"), c.point.ratio("energy")
    return {
        "setting": c.point.setting,
        "key": c.point.key,
        "objective_value": c.objective_value,
        "accuracy_drop_points": c.accuracy_drop_points,
        "broken": list(c.broken),
        "size_bytes": c.point.size_bytes,
        "latency_s": c.point.latency_s,
        "energy_j": c.point.energy_j,
        "latency_ratio": found[0][0] if found[0] else None,
        "latency_ratio_ci95": list(found[0][1]) if found[0] else None,
        "energy_ratio": found[1][0] if found[1] else None,
        "energy_ratio_ci95": list(found[1][1]) if found[1] else None,
    }


def _check(point: Point, drop: float | None, c: Constraints) -> tuple[tuple[str, ...], float]:
    broken: list[str] = []
    distance = 0.0
    checks = (
        ("accuracy drop", drop, c.max_accuracy_drop_points, "points", 1.0),
        ("size", None if point.size_bytes is None else point.size_bytes / 1e6, c.max_size_mb, "MB", 0.0),
        ("latency", None if point.latency_s is None else point.latency_s * 1e3, c.max_latency_ms, "ms", 0.0),
    )
    for name, value, limit, unit, floor in checks:
        if limit is None:
            continue
        if value is None:
            broken.append(f"{name} not measured")
            distance = float("inf")
        elif value > limit + LIMIT_EPS:
            broken.append(f"{name} {value:.3g} {unit} > {limit:g} {unit}")
            distance += (value - limit) / max(limit, floor or 1e-12)
    return tuple(broken), distance


def recommend(
    points: list[Point], objective: str, constraints: Constraints, fallback: bool = False, top: int = 3
) -> Recommendation:
    """Rank one model's points by `objective` among those meeting `constraints`; see the module docstring."""
    if objective not in OBJECTIVES:
        raise RecommendError(f"objective {objective!r} is unknown; use one of {', '.join(OBJECTIVES)}")
    model = points[0].model if points else "?"
    rec = Recommendation(model, objective, None)
    pool = [p for p in points if p.status != "failed"]
    attr = OBJECTIVES[objective]
    if pool and all(getattr(p, attr) is None for p in pool):
        if not fallback or objective == FALLBACK:
            raise RecommendError(
                f"{model}: {objective} was not measured on any point (no sensor for it here); "
                f"pass --fallback to rank by {FALLBACK}, or choose another --objective"
            )
        rec.notes.append(
            f"{objective} was not measured on any point; ranked by {FALLBACK} instead (--fallback)"
        )
        rec.objective, attr = FALLBACK, OBJECTIVES[FALLBACK]
    missing = [p.setting for p in pool if getattr(p, attr) is None]
    if missing:
        rec.notes.append(f"{rec.objective} not measured for {', '.join(missing)}; left out of the ranking")
    kind = quality_kind(pool)
    base = baseline_of(pool)
    if constraints.max_accuracy_drop_points is not None:
        if kind is None:
            rec.notes.append("accuracy not measured on any point, so no point can be said to meet the limit")
        elif base is None and kind == "top1":
            rec.notes.append("no baseline in the file, so the accuracy drop is unknown")
    ranked: list[Candidate] = []
    for p in pool:
        value = getattr(p, attr)
        if value is None:
            continue
        drop = accuracy_drop_points(p, base, kind)
        broken, distance = _check(p, drop, constraints)
        ranked.append(Candidate(p, value, drop, broken, distance))

    paired = [c.point.ratio(rec.objective) for c in ranked] if rec.objective in ("latency", "energy") else []
    rec.by_ratio = bool(paired) and all(paired)

    # Lower objective first; ties go to the smaller accuracy drop, then the smaller file, then the name.
    def order(c: Candidate) -> tuple[float, float, float, str]:
        drop = c.accuracy_drop_points if c.accuracy_drop_points is not None else float("inf")
        size = c.point.size_bytes if c.point.size_bytes is not None else float("inf")
        found = c.point.ratio(rec.objective) if rec.by_ratio else None
        return (found[0] if found else c.objective_value, drop, size, c.point.setting)

    ranked.sort(key=order)
    meeting = [c for c in ranked if not c.broken]
    if not meeting:
        near = sorted(ranked, key=lambda c: (c.distance, *order(c)))
        rec.closest = near[0] if near else None
        return rec
    rec.best, rec.runners_up = meeting[0], meeting[1 : 1 + top]
    if rec.objective in ("latency", "energy"):
        best = rec.best
        tied = [c for c in meeting[1:] if _within_noise(best, c, rec.objective, rec.by_ratio)]
        rec.ties_within_noise = [c.point.setting for c in tied]
        if tied:
            figure = "paired ratios' 95% intervals" if rec.by_ratio else "95% latency CIs"
            rec.notes.append(
                f"{best.point.setting} is a tie within noise with {', '.join(rec.ties_within_noise)} on "
                f"{rec.objective} ({_figures(best, rec)} against {', '.join(_figures(c, rec) for c in tied)}; "
                f"the {figure} overlap): the order between them is noise; measure longer or with --repeat "
                "to separate them"
            )
    ties = [c for c in meeting[1:] if _tie(c.objective_value, meeting[0].objective_value)]
    if ties:
        names = ", ".join(c.point.setting for c in ties)
        rec.notes.append(
            f"{meeting[0].point.setting} ties with {names} on {rec.objective}; "
            "chosen by smaller accuracy drop, then smaller size, then name"
        )
    return rec


def _within_noise(a: Candidate, b: Candidate, axis: str, by_ratio: bool) -> bool:
    """Whether a and b cannot be told apart on `axis`: their paired ratio intervals overlap, or (before pairing)
    the two figures differ by less than both points' latency CIs (energy is power times time: at least latency's
    noise)."""
    if by_ratio:
        ra, rb = a.point.ratio(axis), b.point.ratio(axis)
        return ra is not None and rb is not None and ra[1][0] <= rb[1][1] and rb[1][0] <= ra[1][1]
    ha, hb = a.point.latency_ci_pct, b.point.latency_ci_pct
    if ha is None or hb is None:
        return False
    va, vb = a.objective_value, b.objective_value
    return abs(vb - va) <= abs(va) * ha / 100 + abs(vb) * hb / 100


def _figures(c: Candidate, rec: Recommendation) -> str:
    """`q8 1.004x (0.995-1.013)` by ratio, else `q8 0.41 ms ±0.7%` (the objective's figure and its CI)."""
    found = c.point.ratio(rec.objective) if rec.by_ratio else None
    if found is not None:
        return f"{c.point.setting} {found[0]:.3f}x ({found[1][0]:.3f}-{found[1][1]:.3f})"
    ci = c.point.latency_ci_pct
    unit = ("ms", 1e3) if rec.objective == "latency" else ("mJ", 1e3)
    spread = f" ±{ci:.1f}%" if ci is not None else ""
    return f"{c.point.setting} {c.objective_value * unit[1]:.4g} {unit[0]}{spread}"


def _tie(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TIE * max(abs(a), abs(b), 1e-300)
