"""Sweeps on paired ratios (issue 16): points read `run["paired"]`, the front's dominance reads the intervals,
recommend names ties within noise, and sweep files written before pairing still load.

The points are constructed; each interval was chosen by hand so the expected answer follows from the rule named.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from core.spec import CompressionSpec
from core.sweep.pareto import dominates, pareto_front
from core.sweep.points import Point, point_of, points_of
from core.sweep.recommend import Constraints, recommend
from core.sweep.runner import SweepPlan, SweepRunner
from core.sweep.store import SweepStore, read_sweep
from tui.cli.sweep import recommend_command, render_recommendation

OLD_SWEEP = (
    Path(__file__).parents[1] / "app" / "fixtures" / "sweep_two_models.jsonl"
)  # written before pairing


def point(
    setting: str, size: float, ratio: float | None, ci: tuple[float, float] | None, top1: float
) -> Point:
    """A point of model m whose mean latency is 400 µs times its ratio (the absolute figure the old front read)."""
    return Point(
        key=f"m|{setting}",
        model="m",
        setting=setting,
        status="complete",
        size_bytes=size,
        latency_s=400e-6 * (ratio or 1.0),
        energy_j=None,
        top1=top1,
        fidelity=None,
        params=1e5,
        index=0,
        latency_ratio=ratio,
        latency_ratio_ci95=ci,
    )


BASE = point("baseline", 1000, None, None, 0.900)
Q16 = point("q16", 500, 0.994, (0.985, 1.003), 0.899)  # 0.6% faster, its interval holds 1
Q8 = point("q8", 250, 1.000, (0.991, 1.009), 0.895)
Q8_LOAD = point("q8:load", 250, 1.006, (0.997, 1.015), 0.895)  # 0.6% slower than q8, intervals overlap
P25 = point("p0.25", 500, 1.050, (1.030, 1.070), 0.899)  # as q16 but slower beyond both intervals
P50 = point("p0.5", 600, 1.100, (1.080, 1.120), 0.850)  # worse than q16 on every metric, beyond the noise


def names(points) -> set[str]:
    return {p.setting for p in points}


def test_a_ratio_interval_holding_one_neither_dominates_nor_is_dominated_on_time():
    baseline, q16 = ((1.0, 1.0),), ((0.985, 1.003),)  # time alone: the baseline's ratio is 1 exactly
    assert not dominates(q16, baseline) and not dominates(baseline, q16)
    assert dominates(((0.95, 0.99),), baseline)  # beyond 1: faster
    # Better beyond the noise on size, worse inside it on time: still dominates (worse beyond it on none).
    assert dominates(((500, 500), (0.995, 1.009)), ((1000, 1000), (1.0, 1.0)))
    assert not dominates(((500, 500), (1.001, 1.009)), ((1000, 1000), (1.0, 1.0)))  # worse beyond it: no


def test_a_point_whose_only_edge_is_noise_stays_on_the_front():
    # q8:load is q8 (same size, same top-1) 0.6% slower, inside both intervals: the old front dropped it.
    front = pareto_front([BASE, Q16, Q8, Q8_LOAD, P25, P50])
    assert "latency" in front.paired and front.metrics == ("size", "latency", "top1")
    assert {"q8", "q8:load"} <= names(front.front)
    old = pareto_front([replace_ratio(p) for p in (BASE, Q16, Q8, Q8_LOAD, P25, P50)])
    assert "q8:load" not in names(old.front)  # exact means (no intervals): 402.4 µs beats 404.8 µs


def test_a_clearly_better_point_still_dominates():
    front = pareto_front([BASE, Q16, Q8, Q8_LOAD, P25, P50])
    # p0.25: q16's size and top-1, slower beyond both intervals; p0.5: worse than q16 everywhere.
    assert names(front.front) == {"baseline", "q16", "q8", "q8:load"}


def replace_ratio(p: Point) -> Point:
    """The same point as a sweep file from before pairing has it: no ratio, no CI."""
    from dataclasses import replace

    return replace(p, latency_ratio=None, latency_ratio_ci95=None)


def test_recommend_names_a_tie_within_noise_in_text_and_json():
    points = [BASE, Q16, Q8, Q8_LOAD, P25]
    rec = recommend(points, "latency", Constraints(max_accuracy_drop_points=1.0))
    assert rec.by_ratio
    assert rec.best is not None and rec.best.point.setting == "q16"  # lowest ratio, 0.994
    # baseline (1 in q16's interval), q8 and q8:load overlap q16's interval; p0.25 (1.03-1.07) does not.
    assert rec.ties_within_noise == ["baseline", "q8", "q8:load"]
    text = render_recommendation(rec, Constraints(max_accuracy_drop_points=1.0), len(points))
    assert "best: q16" in text and "latency 397.6 µs (0.994x (0.985-1.003) baseline)" in text
    assert "note: q16 is a tie within noise with baseline, q8, q8:load on latency" in text
    assert "q16 0.994x (0.985-1.003) against baseline 1.000x (1.000-1.000)" in text
    doc = rec.to_dict()
    assert doc["ties_within_noise"] == ["baseline", "q8", "q8:load"]
    assert doc["best"]["latency_ratio_ci95"] == [0.985, 1.003] and doc["best"]["setting"] == "q16"


def test_recommend_beyond_the_noise_says_no_tie():
    rec = recommend([BASE, P25], "latency", Constraints())
    assert rec.best is not None and rec.best.point.setting == "baseline"
    assert rec.ties_within_noise == [] and not any("tie within noise" in n for n in rec.notes)


def test_a_paired_line_gives_its_ratios_and_an_old_line_none():
    paired = {
        "latency": {"ratio": 1.12, "ratio_ci95": [1.08, 1.16], "pairs": 48, "processes": 1, "method": "t",
                    "stopped": "narrow", "block_s": 0.1},
        "energy": {"ratio": None, "reason": "no power sensor on this machine"},
    }  # fmt: skip
    comp = {"variant": "q8", "latency": {"mean_s": 4.5e-4}, "model": {"size_bytes": 10}, "paired": paired}
    record = {
        "status": "complete",
        "runs": [{"variant": "baseline"}, comp],
        "sweep": {"key": "k", "setting": "q8"},
    }
    p = point_of(record, 3)
    assert p is not None and p.ratio("latency") == (1.12, (1.08, 1.16)) and p.pairs == 48
    assert p.energy_ratio is None and p.ratio("energy") is None
    del comp["paired"]
    old = point_of(record, 3)
    assert old is not None and old.latency_ratio is None and old.ratio("latency") is None


def test_an_old_sweep_file_loads_and_ranks_by_its_mean_figures(tmp_path, capsys):
    records, note = read_sweep(OLD_SWEEP)
    points = points_of(records)
    assert note is None and len(points) == 11
    assert all(p.latency_ratio is None and p.energy_ratio is None for p in points)
    mobile = [p for p in points if p.model == "mobilenet-v2"]
    front = pareto_front(mobile)
    assert front.paired == () and front.metrics == ("size", "latency", "energy", "top1")
    rec = recommend(mobile, "energy", Constraints(max_accuracy_drop_points=2.0))
    assert not rec.by_ratio and rec.best is not None and rec.best.point.setting == "p0.25"
    # p0.25 104 mJ and the baseline 105 mJ differ by less than their 5% latency CIs: a tie, said so.
    assert rec.ties_within_noise == ["baseline"]
    out = tmp_path / "rec.json"
    args = SimpleNamespace(
        file=str(OLD_SWEEP), model="mobilenet-v2", objective="energy", max_accuracy_drop=2.0,
        max_size_mb=None, max_latency_ms=None, fallback=False, json_path=str(out),
    )  # fmt: skip
    assert recommend_command(args) == 0
    doc = json.loads(out.read_text())
    assert doc["recommendations"][0]["best"]["setting"] == "p0.25"
    assert doc["recommendations"][0]["ties_within_noise"] == ["baseline"]
    assert "best: p0.25" in capsys.readouterr().out


class PairedSession:
    """Stands for core.run.session.Session with pairing: a baseline run beside the point's, the ratio on it."""

    configs: list = []

    def __init__(self, config, on_event) -> None:
        self.config = config
        PairedSession.configs.append(config)

    def run(self) -> dict:
        runs = []
        for spec in self.config.variants():
            run = {
                "variant": str(spec),
                "status": "complete",
                "model": {"size_bytes": 100},
                "process": id(self),
            }
            if not spec.is_baseline:
                run["paired"] = {"against": "baseline", "latency": {"ratio": 1.1, "ratio_ci95": [1.05, 1.15]}}
            runs.append(run)
        return {
            "model": self.config.model,
            "status": "complete",
            "runs": runs,
            "errors": [],
            "environment": {},
        }

    def cancel(self) -> None:
        pass


def test_each_sweep_point_is_paired_with_its_own_baseline(tmp_path: Path):
    PairedSession.configs = []
    plan = SweepPlan(["digits-cnn"], [CompressionSpec.parse("q8")], session={"workdir": tmp_path})
    with SweepStore(tmp_path / "s.jsonl") as store:
        SweepRunner(plan, store, session_factory=PairedSession).run()
    assert [c.include_baseline for c in PairedSession.configs] == [True, True]
    assert [[str(v) for v in c.variants()] for c in PairedSession.configs] == [
        ["baseline"],
        ["baseline", "q8"],
    ]
    base_line, q8_line = (json.loads(x) for x in (tmp_path / "s.jsonl").read_text().splitlines())
    # The point keeps the baseline run timed beside it (same session), not the baseline point's.
    assert [r["variant"] for r in q8_line["runs"]] == ["baseline", "q8"]
    assert q8_line["runs"][0]["process"] == q8_line["runs"][1]["process"] != base_line["runs"][0]["process"]
    assert q8_line["sweep"]["baseline_key"] == base_line["sweep"]["key"]
    p = point_of(q8_line, 1)
    assert p is not None and p.ratio("latency") == (1.1, (1.05, 1.15))


def test_the_exported_front_carries_the_ratios():
    from core.sweep.export import export_rows, front_csv

    points = [BASE, Q16, P50]
    rows = {r["setting"]: r for r in export_rows(points, {"m": pareto_front(points)})}
    assert set(rows) == {"baseline", "q16"}  # p0.5 is beaten by q16
    q16 = rows["q16"]
    assert (q16["latency_ratio"], q16["latency_ratio_low"], q16["latency_ratio_high"]) == (
        0.994,
        0.985,
        1.003,
    )
    assert rows["baseline"]["latency_ratio"] == 1.0 and q16["energy_ratio"] is None
    assert front_csv(list(rows.values())).splitlines()[0].endswith("energy_ratio_high,pairs")
