"""The verdict on one comparison in the paper's words: "75% smaller, 38% slower, 21% more energy per
inference: compress only if storage is the limit".

A pure function of the comparison's rows, so its rules are tested with constructed results and every face
(CLI, dashboard, result file) says the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.report.rows import SAME_PCT, Row

Goal = Literal["size", "time", "energy", "accuracy"]


@dataclass(frozen=True)
class Clause:
    """One part of the verdict sentence ("75% smaller"): the goal it speaks of and whether it is good news."""

    goal: Goal
    text: str
    better: bool | None


@dataclass(frozen=True)
class Verdict:
    """The paper's answer for one compressed run: what changed, then whether to compress."""

    clauses: tuple[Clause, ...]
    recommendation: str  # a code from RECOMMENDATIONS
    text: str  # the recommendation in words

    @property
    def sentence(self) -> str:
        return ", ".join(c.text for c in self.clauses) + ": " + self.text


# Accuracy (top-1, in points) a compressed model may lose and still be a plain "compress" ...
ACCURACY_TOLERANCE_POINTS = 1.0
# ... and beyond which no saving is worth it (the paper's 6-bit quantization lost 10 points).
ACCURACY_LIMIT_POINTS = 5.0

# Recommendation codes and their words; {do}/{dont} become "compress"/"do not compress" against a baseline,
# and "prefer B"/"keep A" when two compressed runs are compared.
RECOMMENDATIONS = {
    "compress": "{do}",
    "compress-if-accuracy-ok": "{do} if {drop:.1f} points of top-1 accuracy are acceptable",
    "check-accuracy": "{do} once accuracy is checked",
    "storage-only": "{do} only if storage is the limit",
    "energy-over-time": "{do} only if energy matters more than time",
    "time-over-energy": "{do} only if time matters more than energy",
    "accuracy-cost": "accuracy cost too high; {dont}",
    "nothing-gained": "nothing gained; {dont}",
    "undecided": "time not measured, so no recommendation",
}


def verdict(rows: tuple[Row, ...], labels: tuple[str, str] | None = None) -> Verdict:
    """The sentence for one comparison, its recommendation chosen by the rules in `recommend`.

    `labels` (reference, other) name two compressed runs compared with each other, where "compress" would
    not fit: the words become "prefer <other>" / "keep <reference>".
    """
    by_key = {r.key: r for r in rows}
    size, time, energy, top1 = (by_key[k] for k in ("size_bytes", "latency_mean_s", "energy_j", "top1"))
    clauses = (_size_clause(size), _time_clause(time), _energy_clause(energy), _accuracy_clause(top1))
    code, drop = recommend(size, time, energy, top1)
    do, dont = (
        ("compress", "do not compress") if labels is None else ("prefer " + labels[1], "keep " + labels[0])
    )
    text = RECOMMENDATIONS[code].format(do=do, dont=dont, drop=drop or 0.0)
    return Verdict(clauses, code, text)


def recommend(size: Row, time: Row, energy: Row, top1: Row) -> tuple[str, float | None]:
    """A recommendation code (and the top-1 drop in points where it matters), by these rules in order.

    1. No inference time: no recommendation (it is the paper's central cost).
    2. Top-1 down by more than ACCURACY_LIMIT_POINTS: the accuracy cost is too high.
    3. Slower and more energy (or only one of them, the other not measured): worth it only for storage,
       if smaller; else nothing gained.
    4. Slower but less energy, or faster but more energy: a trade-off, said as such.
    5. Neither smaller, faster nor less energy: nothing gained.
    6. Otherwise compress: plainly with top-1 within ACCURACY_TOLERANCE_POINTS, else "if N points are
       acceptable"; with accuracy not measured, once it is checked.
    """
    if time.delta_pct is None:
        return "undecided", None
    drop = None if top1.base is None or top1.comp is None else (top1.base - top1.comp) * 100.0
    if drop is not None and drop > ACCURACY_LIMIT_POINTS:
        return "accuracy-cost", drop
    slower, faster = time.better is False, time.better is True
    more_energy, less_energy = energy.better is False, energy.better is True
    smaller = size.better is True
    if (slower and not less_energy) or (more_energy and not faster):
        return ("storage-only" if smaller else "nothing-gained"), drop
    if slower or more_energy:
        return ("energy-over-time" if slower else "time-over-energy"), drop
    if not (smaller or faster or less_energy):
        return "nothing-gained", drop
    if drop is None:
        return "check-accuracy", None
    if drop > ACCURACY_TOLERANCE_POINTS:
        return "compress-if-accuracy-ok", drop
    return "compress", drop


def _pct(delta_pct: float, base: float, comp: float) -> str:
    """How big a change reads: "2.5x" from a doubling up, whole percent from 10%, one decimal below."""
    if base > 0 and comp / base >= 2:
        return f"{comp / base:.1f}x"
    d = abs(delta_pct)
    return f"{d:.0f}%" if d >= 9.5 else f"{d:.1f}%"


def _changed(row: Row, goal: Goal, noun: str, down: str, up: str, same: str) -> Clause | None:
    """The clause for a row that has both values, or None when it has not."""
    if row.base is None or row.comp is None:
        return None
    if row.delta_pct is None:  # from zero: no percentage exists
        return Clause(goal, f"{noun} {row.base:.3g} -> {row.comp:.3g} {row.unit}", None)
    if abs(row.delta_pct) < SAME_PCT:
        return Clause(goal, same, None)
    if row.inside_ci:
        return Clause(goal, f"no real change in {noun}", None)
    word = down if row.delta_pct < 0 else up
    return Clause(goal, f"{_pct(row.delta_pct, row.base, row.comp)} {word}", row.better)


def _size_clause(row: Row) -> Clause:
    clause = _changed(row, "size", "size", "smaller", "larger", "same size")
    return clause or Clause("size", "size not measured here", None)


def _time_clause(row: Row) -> Clause:
    clause = _changed(row, "time", "time", "faster", "slower", "no change in time")
    return clause or Clause("time", "time not measured here", None)


def _energy_clause(row: Row) -> Clause:
    noun = "energy per inference"
    clause = _changed(row, "energy", noun, f"less {noun}", f"more {noun}", f"same {noun}")
    return clause or Clause("energy", "energy not measured here", None)


def _accuracy_clause(row: Row) -> Clause:
    if row.base is None or row.comp is None:
        return Clause("accuracy", "accuracy not measured here", None)
    points = (row.comp - row.base) * 100.0
    if abs(points) < SAME_PCT:
        return Clause("accuracy", "same top-1 accuracy", None)
    word = "lower" if points < 0 else "higher"
    return Clause("accuracy", f"top-1 {abs(points):.1f} points {word}", points > 0)
