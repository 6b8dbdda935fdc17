"""Sweep settings: ranges, the paper preset, settings around a checked one, and the bisection search."""

from __future__ import annotations

import pytest

from core.spec import CompressionSpec, SpecError
from core.sweep.grid import expand_settings, settings_around
from core.sweep.search import bisect_family, families, search


def names(specs) -> list[str]:
    return [str(s) for s in specs]


def test_ranges_expand_exactly():
    assert names(expand_settings("p0.05..0.2/0.05")) == ["p0.05", "p0.1", "p0.15", "p0.2"]
    assert names(expand_settings("q2..8/2:load")) == ["q2:load", "q4:load", "q6:load", "q8:load"]
    assert names(expand_settings("q8+p5%..10%/5%, q8")) == ["q8+p0.05", "q8+p0.1", "q8"]


def test_paper_preset():
    grid = names(expand_settings("paper"))
    assert grid[:3] == ["q16", "q8", "q6"] and grid[-1] == "q8+p0.05"
    assert grid[3] == "p0.05" and grid[-2] == "p0.75" and len(grid) == 19


@pytest.mark.parametrize("bad", ["p0.5..0.1/0.1", "q2..8/0", "x9", ""])
def test_bad_ranges_are_one_line_errors(bad):
    with pytest.raises(SpecError):
        expand_settings(bad)


def test_settings_around():
    assert settings_around("q8") == ["q16", "q8", "q6", "q8:load"]
    assert settings_around("p0.5") == ["p0.25", "p0.5", "p0.75"]
    assert "q8+p0.05" in settings_around("q8+p0.05")


def test_families_order_least_to_most_aggressive():
    groups, loose = families(expand_settings("paper"))
    assert names(groups["q#"]) == ["q16", "q8", "q6"]
    assert names(groups["p#"])[:2] == ["p0.05", "p0.1"]
    assert names(loose) == ["q8+p0.05"]


def test_bisect_finds_boundary_in_log_probes():
    ordered = list(range(15))
    probes = []

    def within(i):
        probes.append(i)
        return i <= 7

    assert bisect_family(ordered, within) == 7
    assert len(probes) == 4
    assert bisect_family(ordered, lambda i: False) == -1
    assert bisect_family(ordered, lambda i: True) == 14


def test_search_with_fake_accuracy_measures_fewer_and_finds_boundaries():
    # Fake model: top-1 drop = 0.2 points per 5% pruned below 40%, then 3 points per 5%; 16 -> 8 bits free,
    # 6 bits costs 4 points. Limit 1 point: boundary p0.25 (drop 1.0), q8.
    def drop(spec: CompressionSpec) -> float:
        total = 0.0
        for step in spec.steps:
            if step.kind == "q":
                total += 4.0 if step.bits < 8 else 0.0
            else:
                n = round(step.fraction / 0.05)
                total += 0.2 * min(n, 7) + 3.0 * max(n - 7, 0)
        return total

    measured = []

    def within(spec):
        measured.append(str(spec))
        return drop(spec) <= 1.0

    result = search(expand_settings("paper"), within)
    assert result.boundary == {"q#": "q8", "p#": "p0.25"}
    assert result.grid_size == 19
    assert len(measured) == len(set(measured)) == len(result.measured)
    assert result.saved == 19 - len(measured) and result.saved >= 12
