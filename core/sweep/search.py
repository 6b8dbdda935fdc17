"""Adaptive search: bisect each family of settings (bit widths, pruning fractions) against the accuracy limit.

A family is the grid's settings that differ in one number: the fraction of the last pruning step (`p#`,
`q8+p#`), else the bits of the quantization step (`q#`, `q#:load`). Ordered from least to most aggressive
(fewer bits, more pruning), accuracy is assumed to only get worse along it, so the most aggressive setting
within the limit is found by bisection, each probe a real measurement. Settings in no family of 3 or more are
measured as in the grid. The assumption is stated because a real model may break it (a pruned model can gain a
little accuracy); a probe that contradicts it is still reported as measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.spec import CompressionSpec

MIN_FAMILY = 3
_MARK = 0.123457  # a fraction no grid uses, replaced by `#` in family keys


def family_of(spec: CompressionSpec) -> tuple[str, float] | None:
    """(family key, aggressiveness) of a setting, None for one outside any family (baseline, tflite only)."""
    steps = list(spec.steps)
    for i in range(len(steps) - 1, -1, -1):
        fraction = steps[i].fraction
        if steps[i].kind == "p" and fraction is not None:
            key = CompressionSpec(tuple(steps[:i] + [replace(steps[i], fraction=_MARK)] + steps[i + 1 :]))
            return str(key).replace(f"p{_MARK:g}", "p#", 1), fraction
    for i, step in enumerate(steps):
        if step.kind == "q" and step.bits is not None:
            key = CompressionSpec(tuple(steps[:i] + [replace(step, bits=99)] + steps[i + 1 :]))
            return str(key).replace("q99", "q#", 1), -float(step.bits)
    return None


def families(
    settings: list[CompressionSpec],
) -> tuple[dict[str, list[CompressionSpec]], list[CompressionSpec]]:
    """Families of MIN_FAMILY or more (least to most aggressive), and the settings measured as they are."""
    groups: dict[str, list[tuple[float, CompressionSpec]]] = {}
    loose: list[CompressionSpec] = []
    for spec in settings:
        fam = family_of(spec)
        if fam is None:
            loose.append(spec)
        else:
            groups.setdefault(fam[0], []).append((fam[1], spec))
    out: dict[str, list[CompressionSpec]] = {}
    for key, members in groups.items():
        if len(members) >= MIN_FAMILY:
            out[key] = [s for _, s in sorted(members, key=lambda m: m[0])]
        else:
            loose.extend(s for _, s in members)
    return out, loose


@dataclass
class SearchResult:
    """What the search measured, the boundary found per family, and the runs saved against the grid."""

    grid_size: int
    measured: list[str] = field(default_factory=list)
    boundary: dict[str, str | None] = field(
        default_factory=dict
    )  # family -> most aggressive within the limit

    @property
    def saved(self) -> int:
        return self.grid_size - len(self.measured)


def bisect_family(ordered: list[CompressionSpec], within: Callable[[CompressionSpec], bool]) -> int:
    """Index of the most aggressive setting `within` the limit (-1: none), probing O(log n) settings."""
    lo, hi = -1, len(ordered)  # invariant: everything <= lo is within (lo = -1: nothing known), >= hi is not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if within(ordered[mid]):
            lo = mid
        else:
            hi = mid
    return lo


def search(settings: list[CompressionSpec], within: Callable[[CompressionSpec], bool]) -> SearchResult:
    """Measure the loose settings, bisect each family; `within(spec)` measures a setting for real (once)."""
    result = SearchResult(grid_size=len(settings))
    seen: dict[str, bool] = {}

    def probe(spec: CompressionSpec) -> bool:
        name = str(spec)
        if name not in seen:
            seen[name] = within(spec)
            result.measured.append(name)
        return seen[name]

    groups, loose = families(settings)
    for spec in loose:
        probe(spec)
    for key, ordered in groups.items():
        index = bisect_family(ordered, probe)
        result.boundary[key] = str(ordered[index]) if index >= 0 else None
    return result
