"""The verdict on one comparison in the paper's words: "75% smaller, 38% slower, 21% more energy per
inference: compress only if storage is the limit".

A pure function of the comparison's rows, so its rules are tested with constructed results and every face
(CLI, dashboard, result file) says the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from core.measure.paired import halfwidth_pct
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
    parts: dict[str, Any] = field(default_factory=dict)  # time/energy/accuracy in numbers (to_dict)

    @property
    def sentence(self) -> str:
        return ", ".join(c.text for c in self.clauses) + ": " + self.text

    def to_dict(self) -> dict[str, Any]:
        """The result file's `comparison.verdict`: the sentence and, per goal, what it rests on."""
        return {"sentence": self.sentence, "recommendation": self.recommendation, **self.parts}


# Accuracy (top-1, in points) a compressed model may lose and still be a plain "compress" ...
ACCURACY_TOLERANCE_POINTS = 1.0
# ... and beyond which no saving is worth it (the paper's 6-bit quantization lost 10 points).
ACCURACY_LIMIT_POINTS = 5.0

# Recommendation codes and their words; {do}/{dont} become "compress"/"do not compress" against a baseline,
# and "prefer B"/"keep A" when two compressed runs are compared.
RECOMMENDATIONS = {
    "compress": "{do}",
    "compress-if-accuracy-ok": "{do} if {drop:.1f} points of {score} are acceptable",
    "check-accuracy": "{do} once accuracy is checked",
    "storage-only": "{do} only if storage is the limit",
    "energy-over-time": "{do} only if energy matters more than time",
    "time-over-energy": "{do} only if time matters more than energy",
    "accuracy-cost": "accuracy cost too high; {dont}",
    "nothing-gained": "nothing gained; {dont}",
    "undecided": "time not measured, so no recommendation",
    "time-unresolved": "time too noisy to decide; run again for longer or on a quiet machine",
}


def verdict(rows: tuple[Row, ...], labels: tuple[str, str] | None = None) -> Verdict:
    """The sentence for one comparison, its recommendation chosen by the rules in `recommend`.

    `labels` (reference, other) name two compressed runs compared with each other, where "compress" would
    not fit: the words become "prefer <other>" / "keep <reference>".
    """
    by_key = {r.key: r for r in rows}
    size, time, energy, top1 = (by_key[k] for k in ("size_bytes", "latency_mean_s", "energy_j", "top1"))
    score = _score_row(top1, by_key.get("bleu"))
    clauses = (_size_clause(size), _time_clause(time), _energy_clause(energy), _accuracy_clause(score))
    code, drop = recommend(size, time, energy, score)
    do, dont = (
        ("compress", "do not compress") if labels is None else ("prefer " + labels[1], "keep " + labels[0])
    )
    name = "BLEU" if score.key == "bleu" else "top-1 accuracy"
    text = RECOMMENDATIONS[code].format(do=do, dont=dont, drop=drop or 0.0, score=name)
    parts = {
        "time": _part(time, "slower", "faster"),
        "energy": _part(energy, "more", "less"),
        "accuracy": _accuracy_part(score),
    }
    return Verdict(clauses, code, text, parts)


def _score_row(top1: Row, bleu: Row | None) -> Row:
    """What accuracy is judged by: top-1 where both runs have it, else BLEU (a translation model)."""
    if (top1.base is None or top1.comp is None) and bleu is not None and bleu.base is not None:
        return bleu
    return top1


def _points(row: Row) -> float | None:
    """The score's change in points: top-1 in percentage points, BLEU in its own 0..100 points."""
    if row.base is None or row.comp is None:
        return None
    return (row.comp - row.base) * (1.0 if row.key == "bleu" else 100.0)


def _part(row: Row, up: str, down: str) -> dict[str, Any] | None:
    """One goal in numbers: the direction the verdict names, the ratio and its interval (paired where measured)."""
    if row.base is None or row.comp is None or row.delta_pct is None:
        return None
    better = row.better
    word = None if better is None or row.direction != "lower" else (down if better else up)
    return {
        "direction": word or "no real change",
        "ratio": row.paired["ratio"] if row.paired else (row.comp / row.base if row.base else None),
        "ratio_ci95": list(row.ratio_ci95) if row.ratio_ci95 else None,
        "threshold_pct": row.threshold_pct if row.paired else None,
        "paired": row.paired is not None,
    }


def _accuracy_part(row: Row) -> dict[str, Any] | None:
    points = _points(row)
    if points is None:
        return None
    return {"metric": row.key, "base": row.base, "comp": row.comp, "change_points": points}


def recommend(size: Row, time: Row, energy: Row, top1: Row) -> tuple[str, float | None]:
    """A recommendation code (and the top-1 drop in points where it matters), by these rules in order.

    1. No inference time: no recommendation (it is the paper's central cost); a paired time ratio whose
       interval reaches past the no-change band without lying beyond it: too noisy to decide.
    2. Top-1 (BLEU for a translation model) down by more than ACCURACY_LIMIT_POINTS: the accuracy cost is too high.
    3. Slower and more energy (or only one of them, the other not measured): worth it only for storage,
       if smaller; else nothing gained.
    4. Slower but less energy, or faster but more energy: a trade-off, said as such.
    5. Neither smaller, faster nor less energy: nothing gained.
    6. Otherwise compress: plainly with top-1 within ACCURACY_TOLERANCE_POINTS, else "if N points are
       acceptable"; with accuracy not measured, once it is checked.
    """
    if time.delta_pct is None:
        return "undecided", None
    if unresolved(time):
        return "time-unresolved", None
    points = _points(top1)
    drop = None if points is None else -points
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


def unresolved(row: Row) -> bool:
    """A paired ratio not beyond the threshold whose interval is wider than the no-change band (half-width above
    the threshold): too noisy to call either way."""
    if row.paired_direction != 0 or row.paired is None:
        return False
    ci = row.ratio_ci95
    return ci is None or halfwidth_pct(float(row.paired["ratio"]), ci[0], ci[1]) > row.threshold_pct


def _paired_clause(row: Row, goal: Goal, noun: str, up: str, down: str) -> Clause | None:
    """The clause from a paired ratio: "1.12x slower (1.08-1.16)"; "slower"/"faster" only when the interval lies
    beyond 1 +/- the threshold, else "no real change" with the figure (and "too noisy to tell" when the interval
    reaches past the threshold on a side)."""
    if row.paired is None:
        return None
    ratio, ci, side = float(row.paired["ratio"]), row.ratio_ci95, row.paired_direction
    span = "" if ci is None else f"{ci[0]:.2f}-{ci[1]:.2f}"
    if ci is not None and side == 1:
        return Clause(goal, f"{ratio:.2f}x {up} ({span})", row.better)
    if ci is not None and side == -1:
        if goal == "time":  # a speed-up reads as one: 1.25x faster
            return Clause(goal, f"{1 / ratio:.2f}x {down} ({1 / ci[1]:.2f}-{1 / ci[0]:.2f})", row.better)
        low, high = (1 - ci[1]) * 100, (1 - ci[0]) * 100
        return Clause(goal, f"{(1 - ratio) * 100:.0f}% {down} ({low:.0f}-{high:.0f}%)", row.better)
    detail = (
        f"{ratio:.2f}x" + (f", {span}" if span else "") + (", too noisy to tell" if unresolved(row) else "")
    )
    return Clause(goal, f"no real change in {noun} ({detail})", None)


def _size_clause(row: Row) -> Clause:
    clause = _changed(row, "size", "size", "smaller", "larger", "same size")
    return clause or Clause("size", "size not measured here", None)


def _time_clause(row: Row) -> Clause:
    clause = _paired_clause(row, "time", "time", "slower", "faster")
    clause = clause or _changed(row, "time", "time", "faster", "slower", "no change in time")
    return clause or Clause("time", "time not measured here", None)


def _energy_clause(row: Row) -> Clause:
    noun = "energy per inference"
    clause = _paired_clause(row, "energy", noun, f"more {noun}", f"less {noun}")
    clause = clause or _changed(row, "energy", noun, f"less {noun}", f"more {noun}", f"same {noun}")
    return clause or Clause("energy", "energy not measured here", None)


def _accuracy_clause(row: Row) -> Clause:
    points = _points(row)
    if points is None:
        return Clause("accuracy", "accuracy not measured here", None)
    name = "BLEU" if row.key == "bleu" else "top-1"
    if abs(points) < SAME_PCT:
        return Clause("accuracy", "same BLEU" if row.key == "bleu" else "same top-1 accuracy", None)
    word = "lower" if points < 0 else "higher"
    return Clause("accuracy", f"{name} {abs(points):.1f} points {word}", points > 0)
