"""The Pareto front and the recommendation on hand-checked points (tests/fixtures/sweep_points.json).

Expected answers were worked out by hand from the fixture's numbers; each test names the rule it guards.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.sweep.pareto import pareto_front
from core.sweep.points import Point
from core.sweep.recommend import Constraints, RecommendError, recommend

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sweep_points.json"


def load(model: str) -> list[Point]:
    rows = json.loads(FIXTURE.read_text())["points"]
    return [
        Point(
            key=f"{r['model']}|{r['setting']}",
            model=r["model"],
            setting=r["setting"],
            status=r.get("status", "complete"),
            size_bytes=r["size_bytes"],
            latency_s=r["latency_s"],
            energy_j=r["energy_j"],
            top1=r["top1"],
            fidelity=r.get("fidelity"),
            params=1e5,
            index=i,
        )
        for i, r in enumerate(rows)
        if r["model"] == model
    ]


def names(points) -> set[str]:
    return {p.setting for p in points}


def test_front_keeps_ties_and_drops_dominated_and_failed():
    # q16 beats nothing on all four, but nobody beats it on size+accuracy together with baseline's latency:
    # baseline (fastest, best top-1), q16 (smaller than baseline, same top-1), q8/q8:load (tie: both stay),
    # q6 (smallest). p0.5 is beaten by q16 on every metric; p0.75 failed and is left out.
    front = pareto_front(load("m1"))
    assert names(front.front) == {"baseline", "q16", "q8", "q8:load", "q6"}
    assert front.metrics == ("size", "latency", "energy", "top1")
    assert "1 failed point(s) left out" in front.notes


def test_front_leaves_out_a_metric_only_some_points_have():
    front = pareto_front(load("m2"))
    assert "energy" not in front.metrics
    assert any("energy measured on 2 of 3 points" in n for n in front.notes)
    # Without energy: baseline (best top-1), q8 (smallest), p0.25 (fastest) are all on the front.
    assert names(front.front) == {"baseline", "q8", "p0.25"}


def test_front_uses_fidelity_without_labels():
    front = pareto_front(load("m3"))
    assert front.metrics[-1] == "fidelity"
    assert any("energy not measured on any point" in n for n in front.notes)
    # baseline counts as fidelity 1.0; q6 is smallest and fastest; q8 is beaten by neither on fidelity+size.
    assert names(front.front) == {"baseline", "q8", "q6"}


def test_recommend_energy_with_tie_said_and_broken_by_name():
    rec = recommend(load("m1"), "energy", Constraints(max_accuracy_drop_points=1.0))
    assert rec.best is not None and rec.best.point.setting == "q8"  # 45 mJ, drop 0.5; ties with q8:load
    assert rec.runners_up[0].point.setting == "q8:load"
    assert rec.best.accuracy_drop_points == pytest.approx(0.5)
    assert any("ties with q8:load" in n for n in rec.notes)
    assert "q6" not in names(c.point for c in rec.runners_up)  # drop 10 points > 1


def test_recommend_skips_points_without_the_objective_and_says_so():
    rec = recommend(load("m2"), "energy", Constraints(max_accuracy_drop_points=1.0))
    assert rec.best is not None and rec.best.point.setting == "baseline"  # p0.25 drops 5 points; q8 no energy
    assert any("energy not measured for q8" in n for n in rec.notes)


def test_recommend_objective_nowhere_measured_errors_or_falls_back():
    with pytest.raises(RecommendError, match="--fallback"):
        recommend(load("m3"), "energy", Constraints())
    rec = recommend(load("m3"), "energy", Constraints(max_accuracy_drop_points=5.0), fallback=True)
    assert rec.objective == "latency"
    assert rec.best is not None and rec.best.point.setting == "baseline"  # q6 drops 10 fidelity points
    assert any("ranked by latency instead" in n for n in rec.notes)


def test_recommend_nothing_meets_gives_closest_by_relative_overshoot():
    # size <= 0.2 MB and drop <= 1 point: q6 is 0.19 MB but drops 10 points (overshoot 9/1 = 9);
    # q8 drops 0.5 but is 0.25 MB (overshoot 0.05/0.2 = 0.25): q8 (or its tie q8:load) is closest.
    rec = recommend(load("m1"), "latency", Constraints(max_accuracy_drop_points=1.0, max_size_mb=0.2))
    assert rec.best is None
    assert rec.closest is not None and rec.closest.point.setting == "q8"
    assert rec.closest.distance == pytest.approx(0.25)
    assert rec.closest.broken == ("size 0.25 MB > 0.2 MB",)


def test_recommend_latency_constraint_and_size_objective():
    rec = recommend(load("m1"), "size", Constraints(max_latency_ms=11.5))
    assert rec.best is not None and rec.best.point.setting == "q16"  # only baseline and q16 are <= 11.5 ms
    assert names(c.point for c in rec.runners_up) == {"baseline"}


def test_recommend_says_when_runner_up_is_inside_the_latency_ci():
    from dataclasses import replace

    points = [replace(p, latency_ci_pct=5.0) for p in load("m1")]
    rec = recommend(points, "latency", Constraints(max_accuracy_drop_points=1.0))
    # baseline 10 ms (CI 0.5 ms) vs q16 11 ms (CI 0.55 ms): 1 ms apart > 1.05 ms? no: 1.0 <= 1.05, so noise.
    assert rec.best is not None and rec.best.point.setting == "baseline"
    assert rec.ties_within_noise == ["q16"]  # q8 (12 ms, CI 0.6) is 2 ms away > 0.5 + 0.6: not a tie
    assert any(n.startswith("baseline is a tie within noise with q16 on latency") for n in rec.notes)


def test_a_point_exactly_at_the_accuracy_limit_meets_it():
    # m1 q8 drops (0.900 - 0.895) * 100 = 0.5000000000000004 points in floating point: a limit of 0.5 admits it.
    rec = recommend(load("m1"), "energy", Constraints(max_accuracy_drop_points=0.5))
    assert rec.best is not None and rec.best.point.setting == "q8"
