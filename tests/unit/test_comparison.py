"""The comparison model: which runs are compared, rows with deltas and directions, and the verdict sentence."""

import pytest

from core.report.comparison import (
    NothingToCompareError,
    compare,
    compare_results,
    comparisons_of,
    headline_run,
)


def _run(variant, size=400, mean_s=0.010, top1=0.98, energy=None, ci=2.0):
    return {
        "variant": variant,
        "model": {"params": 100, "nonzero_params": 100, "size_bytes": size},
        "latency": {"mean_s": mean_s, "p99_s": mean_s * 2, "ci95_halfwidth_pct": ci},
        "energy": {
            "j_per_inference": energy,
            "reason": None if energy is not None else "no power sensor on this machine",
        },
        "gpu": {"mean_load_pct": 40.0},
        "accuracy": {"top1": top1, "top5": 1.0},
    }


BASE = _run("baseline", size=400_000, mean_s=0.0100, top1=0.980, energy=0.100, ci=1.0)


def _clauses(comparison):
    return {c.goal: (c.text, c.better) for c in comparison.verdict.clauses}


# --- rows ---------------------------------------------------------------------------------------------------


def test_rows_carry_delta_direction_and_better():
    c = compare(BASE, _run("q8", size=100_000, mean_s=0.012, top1=0.97, energy=0.1, ci=1.0))
    size, latency, top1 = c.row("size_bytes"), c.row("latency_mean_s"), c.row("top1")
    assert (size.delta_pct, size.direction, size.better) == (pytest.approx(-75.0), "lower", True)
    assert (latency.delta_pct, latency.inside_ci, latency.better) == (pytest.approx(20.0), False, False)
    assert (top1.direction, top1.better) == ("higher", False)
    assert c.row("top5").better is None  # unchanged
    assert c.row("energy_j").better is None  # unchanged
    gpu = c.row("gpu_load_pct")
    assert (gpu.delta_pct, gpu.direction, gpu.better) == (0.0, "neutral", None)


def test_latency_inside_both_cis_is_neither_better_nor_worse():
    c = compare(
        _run("baseline", mean_s=0.0100, ci=3.0),
        _run("q8", mean_s=0.0102, ci=3.0),
    )
    row = c.row("latency_mean_s")
    assert row.delta_pct == pytest.approx(2.0) and row.inside_ci is True and row.better is None
    assert _clauses(c)["time"] == ("no real change in time", None)
    # The same change with tight intervals is a finding.
    tight = compare(_run("baseline", mean_s=0.0100, ci=0.5), _run("q8", mean_s=0.0102, ci=0.5))
    assert tight.row("latency_mean_s").better is False
    assert _clauses(tight)["time"] == ("2.0% slower", False)


def test_missing_value_keeps_the_reason_of_the_run_that_lacks_it():
    comp = _run("q8")
    comp["latency"] = None
    c = compare(_run("baseline"), comp)
    assert c.row("latency_mean_s").reason == "q8 did not get that far"
    assert c.row("energy_j").reason == "no power sensor on this machine"
    assert [r.key for r in c.unmeasured()] == [
        "energy_j",
        "power_mean_w",
        "power_peak_w",
        "peak_rss_bytes",
        "delta_rss_bytes",
        "precision",
        "recall",
        "f1",
    ]


def test_zero_is_a_measured_zero_not_missing():
    c = compare(_run("baseline", energy=0.0), _run("q8", energy=0.0))
    assert c.row("energy_j").delta_pct == 0.0
    c = compare(_run("baseline", energy=0.0), _run("q8", energy=0.002))
    assert c.row("energy_j").delta_pct is None  # no percentage from zero, but both values are there
    assert _clauses(c)["energy"] == ("energy per inference 0 -> 0.002 J", None)


def test_to_dict_is_the_file_form():
    d = compare(BASE, _run("q8", size=100_000, energy=0.1)).to_dict()
    size = next(m for m in d["metrics"] if m["key"] == "size_bytes")
    assert size["lower_is_better"] is True and size["better"] is True and size["direction"] == "lower"
    assert [v["goal"] for v in d["verdicts"]] == ["size", "time", "energy", "accuracy"]
    assert d["summary"] == (
        "75% smaller, no change in time, same energy per inference, same top-1 accuracy: compress"
    )
    assert d["recommendation"] == "compress"


# --- which runs -----------------------------------------------------------------------------------------------


def test_baseline_against_each_compressed_run_and_the_first_is_the_headline():
    result = {"model": "m", "runs": [_run("baseline"), _run("q8", size=100), _run("q6", size=75)]}
    assert [c.compressed for c in comparisons_of(result)] == ["q8", "q6"]
    assert headline_run(result)["variant"] == "q8"
    assert comparisons_of({"runs": [_run("q8")]}) == []  # no baseline: nothing to compare
    assert headline_run({"runs": [_run("baseline")]})["variant"] == "baseline"
    assert headline_run({"runs": []}) is None


def test_two_files_compare_their_headline_runs():
    a = {"model": "m", "runs": [_run("baseline", size=400), _run("q8", size=100)]}
    b = {"model": "m", "runs": [_run("baseline", size=400), _run("q6", size=75), _run("q4", size=50)]}
    c = compare_results(a, b)
    assert (c.baseline, c.compressed) == ("m:q8", "m:q6")
    assert c.row("size_bytes").delta_pct == pytest.approx(-25.0)
    assert c.verdict.text.startswith("prefer m:q6")  # two compressed runs: not "compress"
    with pytest.raises(NothingToCompareError, match="holds no runs"):
        compare_results(a, {"model": "x", "runs": []})
