"""The verdict sentence: clauses in the paper's words and the recommendation rules, from constructed runs."""

import pytest

from core.report.comparison import compare
from core.report.verdict import ACCURACY_LIMIT_POINTS, ACCURACY_TOLERANCE_POINTS


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


def test_paper_q8_smaller_slower_more_energy_is_for_storage_only():
    comp = _run("q8", size=100_000, mean_s=0.0138, top1=0.975, energy=0.121, ci=1.0)
    v = compare(BASE, comp).verdict
    assert v.sentence == (
        "75% smaller, 38% slower, 21% more energy per inference, top-1 0.5 points lower: "
        "compress only if storage is the limit"
    )
    assert v.recommendation == "storage-only"
    assert [c.better for c in v.clauses] == [True, False, False, False]


def test_paper_pruning_smaller_faster_less_energy_is_compress():
    comp = _run("p0.5:filters", size=300_000, mean_s=0.0069, top1=0.975, energy=0.085, ci=1.0)
    v = compare(BASE, comp).verdict
    assert v.sentence == (
        "25% smaller, 31% faster, 15% less energy per inference, top-1 0.5 points lower: compress"
    )
    assert [c.better for c in v.clauses] == [True, True, True, False]


def test_missing_energy_is_said_and_the_decision_rests_on_time():
    comp = _run("p0.5:filters", size=300_000, mean_s=0.0069, top1=0.98, energy=None, ci=1.0)
    v = compare(_run("baseline", size=400_000, mean_s=0.0100, top1=0.98, ci=1.0), comp).verdict
    assert v.sentence == "25% smaller, 31% faster, energy not measured here, same top-1 accuracy: compress"
    slower = _run("q8", size=100_000, mean_s=0.0138, top1=0.98, ci=1.0)
    v = compare(_run("baseline", size=400_000, top1=0.98, ci=1.0), slower).verdict
    assert v.recommendation == "storage-only"


def test_inside_ci_latency_is_no_real_change():
    comp = _run("q8:load", size=100_000, mean_s=0.0101, top1=0.98, energy=0.1, ci=2.0)
    v = compare(BASE, comp).verdict
    assert v.sentence == (
        "75% smaller, no real change in time, same energy per inference, same top-1 accuracy: compress"
    )


@pytest.mark.parametrize(
    ("top1", "code", "text"),
    [
        (0.975, "compress", "compress"),
        (0.960, "compress-if-accuracy-ok", "compress if 2.0 points of top-1 accuracy are acceptable"),
        (0.900, "accuracy-cost", "accuracy cost too high; do not compress"),
        (None, "check-accuracy", "compress once accuracy is checked"),
    ],
)
def test_accuracy_drop_decides_between_compress_and_too_costly(top1, code, text):
    assert (ACCURACY_TOLERANCE_POINTS, ACCURACY_LIMIT_POINTS) == (1.0, 5.0)  # the cases sit either side
    comp = _run("q8+p0.05", size=100_000, mean_s=0.0090, top1=top1, energy=0.09, ci=1.0)
    if top1 is None:
        comp["accuracy"] = {"top1": None, "reason": "no labels"}
    v = compare(BASE, comp).verdict
    assert (v.recommendation, v.text) == (code, text)


def test_large_accuracy_cost_wins_over_every_saving():
    comp = _run("q6", size=80_000, mean_s=0.005, top1=0.88, energy=0.05, ci=1.0)
    v = compare(BASE, comp).verdict
    assert v.clauses[-1].text == "top-1 10.0 points lower"
    assert v.recommendation == "accuracy-cost"


@pytest.mark.parametrize(
    ("mean_s", "energy", "code"),
    [
        (0.0130, 0.080, "energy-over-time"),  # slower, less energy
        (0.0080, 0.120, "time-over-energy"),  # faster, more energy
        (0.0100, 0.100, "compress"),  # same time and energy, smaller
    ],
)
def test_trade_offs_are_named(mean_s, energy, code):
    comp = _run("x", size=300_000, mean_s=mean_s, top1=0.98, energy=energy, ci=0.5)
    assert compare(BASE, comp).verdict.recommendation == code


def test_larger_and_slower_gains_nothing_and_doubling_reads_as_times():
    comp = _run("tflite:fp16", size=800_000, mean_s=0.025, top1=0.98, energy=0.1, ci=1.0)
    v = compare(BASE, comp).verdict
    assert v.sentence == (
        "2.0x larger, 2.5x slower, same energy per inference, same top-1 accuracy: nothing gained; do not compress"
    )


def test_no_time_means_no_recommendation():
    comp = _run("q8", size=100_000)
    comp["latency"] = None
    v = compare(_run("baseline"), comp).verdict
    assert v.clauses[1].text == "time not measured here"
    assert v.recommendation == "undecided"
    assert v.text == "time not measured, so no recommendation"


def test_energy_change_inside_the_latency_cis_is_no_real_change():
    base = _run("baseline", size=400_000, mean_s=0.0100, energy=0.100, ci=3.0)
    noisy = compare(base, _run("q8", size=100_000, mean_s=0.0101, energy=0.102, ci=3.0))
    assert noisy.row("energy_j").better is None
    assert noisy.verdict.clauses[2].text == "no real change in energy per inference"
    assert noisy.verdict.recommendation == "compress"
    real = compare(base, _run("q8", size=100_000, mean_s=0.0101, energy=0.110, ci=3.0))
    assert real.verdict.clauses[2].text == "10% more energy per inference"
    assert real.verdict.recommendation == "storage-only"
