"""Verdicts that read the paired interval: "slower"/"faster" only beyond the threshold, the figure and its interval
in the sentence, the rows' ratio fields, BLEU for translation models, and the JSON against the result schema."""

import json

import jsonschema
import pytest

from core.paths import asset
from core.report.comparison import compare, compare_results


def _run(variant, mean_s=0.010, size=400_000, top1=0.98, energy=0.1, bleu=None):
    accuracy = {"top1": top1, "top5": 1.0} if bleu is None else {"top1": None, "bleu": bleu, "reason": "BLEU"}
    return {
        "variant": variant,
        "model": {"params": 100, "nonzero_params": 100, "size_bytes": size},
        "latency": {"mean_s": mean_s, "p99_s": mean_s * 2, "ci95_halfwidth_pct": 0.5},
        "energy": {"j_per_inference": energy, "reason": None},
        "power": {"mean_w": 5.0, "peak_w": 6.0, "idle_w": 3.0, "source": "x", "reason": None},
        "accuracy": accuracy,
    }


def _paired(ratio, low, high, energy=None):
    lat = {"ratio": ratio, "ratio_ci95": [low, high], "pairs": 20, "processes": 1, "stopped": "narrow",
           "method": "t-interval on per-pair log ratios", "block_s": 0.1, "threshold_pct": 2.0}  # fmt: skip
    none = {"ratio": None, "reason": "no power sensor on this machine"}
    return {"against": "baseline", "latency": lat, "energy": energy or none, "power": none}


BASE = _run("baseline")


def _verdict(ratio, low, high, **comp):
    # The per-variant means say the opposite (5% faster): the paired ratio must win.
    run = {**_run("q8", mean_s=0.0095, size=100_000, **comp), "paired": _paired(ratio, low, high)}
    return compare(BASE, run)


@pytest.mark.parametrize(
    ("interval", "clause", "direction"),
    [
        ((1.12, 1.08, 1.16), "1.12x slower (1.08-1.16)", "slower"),
        ((1.05, 1.0201, 1.08), "1.05x slower (1.02-1.08)", "slower"),
        (
            (1.05, 1.0199, 1.08),
            "no real change in time (1.05x, 1.02-1.08, too noisy to tell)",
            "no real change",
        ),
        ((1.00, 0.99, 1.01), "no real change in time (1.00x, 0.99-1.01)", "no real change"),
        ((0.90, 0.85, 0.9799), "1.11x faster (1.02-1.18)", "faster"),
        ((0.99, 0.97, 0.9801), "no real change in time (0.99x, 0.97-0.98)", "no real change"),
    ],
)
def test_time_direction_only_when_the_interval_lies_beyond_the_threshold(interval, clause, direction):
    c = _verdict(*interval)
    time_clause = next(cl for cl in c.verdict.clauses if cl.goal == "time")
    assert time_clause.text == clause
    part = c.to_dict()["verdict"]["time"]
    assert part["direction"] == direction and part["ratio"] == interval[0] and part["threshold_pct"] == 2.0
    assert part["ratio_ci95"] == [interval[1], interval[2]] and part["paired"] is True
    assert c.to_dict()["summary"] == c.to_dict()["verdict"]["sentence"] == c.verdict.sentence


def test_recommendation_follows_the_paired_answer_and_waits_when_it_is_too_noisy():
    assert _verdict(1.12, 1.08, 1.16).verdict.recommendation == "storage-only"
    assert _verdict(1.00, 0.99, 1.01).verdict.recommendation == "compress"
    noisy = _verdict(1.05, 0.95, 1.16).verdict
    assert noisy.recommendation == "time-unresolved" and "too noisy" in noisy.text


def test_rows_carry_the_ratio_interval_pairs_and_method():
    c = _verdict(1.12, 1.08, 1.16)
    row = next(r for r in c.to_dict()["metrics"] if r["key"] == "latency_mean_s")
    assert row["ratio"] == 1.12 and row["ratio_ci95"] == [1.08, 1.16] and row["pairs"] == 20
    assert row["method"].startswith("t-interval") and row["delta_pct"] == pytest.approx(12.0)
    assert row["better"] is False and row["inside_ci"] is False
    energy = next(r for r in c.to_dict()["metrics"] if r["key"] == "energy_j")
    assert "ratio" not in energy  # no paired energy: the unpaired row as before
    # Without a paired block, the rows and the verdict read the runs' own means as before.
    plain = compare(BASE, _run("q8", mean_s=0.0138, size=100_000))
    assert plain.to_dict()["verdict"]["time"] == {"direction": "slower", "ratio": pytest.approx(1.38),
                                                  "ratio_ci95": None, "threshold_pct": None, "paired": False}  # fmt: skip


def test_paired_energy_reads_the_same_way():
    energy = {"ratio": 1.40, "ratio_ci95": [1.30, 1.50], "pairs": 20, "method": "m", "min_updates": 9}
    run = {**_run("q8", size=100_000), "paired": _paired(1.12, 1.08, 1.16, energy)}
    c = compare(BASE, run)
    assert c.verdict.sentence.startswith(
        "75% smaller, 1.12x slower (1.08-1.16), 1.40x more energy per inference"
    )
    assert c.to_dict()["verdict"]["energy"]["direction"] == "more"


def test_a_paired_answer_is_not_used_against_another_files_run():
    run = {**_run("q8", mean_s=0.0138, size=100_000), "paired": _paired(1.00, 0.99, 1.01)}
    c = compare_results({"model": "m", "runs": [BASE]}, {"model": "m", "runs": [BASE, run]})
    assert "38% slower" in c.verdict.sentence


def test_translation_verdict_uses_bleu_when_there_is_no_top1():
    base = _run("baseline", bleu=27.4)
    comp = {**_run("q8", size=100_000, bleu=24.9), "paired": _paired(1.00, 0.99, 1.01)}
    v = compare(base, comp).verdict
    assert "BLEU 2.5 points lower" in v.sentence and "accuracy not measured" not in v.sentence
    assert (
        v.recommendation == "compress-if-accuracy-ok"
        and v.text == "compress if 2.5 points of BLEU are acceptable"
    )
    assert compare(base, comp).to_dict()["verdict"]["accuracy"]["metric"] == "bleu"


def test_paired_fields_validate_against_the_result_schema():
    schema = json.loads(asset("result.schema.json").read_text(encoding="utf-8"))
    energy = {"ratio": 1.4, "ratio_ci95": [1.3, 1.5], "pairs": 20, "processes": 1, "method": "m",
              "stopped": "narrow", "block_s": 0.1, "updates": [9, 10], "min_updates": 9, "per_variant": {}}  # fmt: skip
    comp = {**_run("q8", size=100_000), "paired": _paired(1.12, 1.08, 1.16, energy)}
    run_schema = {"$ref": "#/$defs/run/properties/paired", "$defs": schema["$defs"]}
    jsonschema.validate(comp["paired"], run_schema)
    comparison_schema = {**schema["properties"]["comparison"], "$defs": schema["$defs"]}
    jsonschema.validate(compare(BASE, comp).to_dict(), comparison_schema)
    bad = {**comp, "paired": {**comp["paired"], "latency": {**comp["paired"]["latency"], "stopped": "bored"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad["paired"], run_schema)
    bad_verdict = {**compare(BASE, comp).to_dict()}
    bad_verdict["verdict"] = {
        **bad_verdict["verdict"],
        "time": {**bad_verdict["verdict"]["time"], "direction": "up"},
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad_verdict, comparison_schema)
