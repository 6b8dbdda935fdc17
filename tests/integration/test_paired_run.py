"""A real paired run: the shared `q8_run` (tests/conftest.py: digits-cnn baseline vs q8, paired timing capped at
2 s) gives the q8 run a `paired` block, the comparison its ratio rows and verdict, live `pair` events, and per-op
`ops` events while the variants are timed, not only after."""

import math

import pytest

from core.report.result_file import validate_result
from core.telemetry.replay import load_trace

pytestmark = pytest.mark.integration


def _q8(data):
    return next(r for r in data["runs"] if r["variant"] == "q8")


def test_the_q8_run_carries_its_paired_answer(q8_run):
    data = q8_run["data"]
    validate_result(data)
    paired = _q8(data)["paired"]
    lat = paired["latency"]
    assert paired["against"] == "baseline"
    # Three paired processes (the fixture's; five by default, test_session_stages), the interval over their ratios;
    # 25 ms blocks (no power sensor here).
    assert lat["ratio"] > 0 and lat["pairs"] >= 6 and lat["processes"] == 3 and lat["block_s"] == 0.025
    assert len(lat["process_ratios"]) == 3 and "over 3 processes" in lat["method"]
    assert lat["ratio"] == pytest.approx(math.prod(lat["process_ratios"]) ** (1 / 3))
    low, high = lat["ratio_ci95"]
    assert low < lat["ratio"] < high
    assert lat["stopped"] in ("narrow", "excludes_one", "cap") and lat["method"].startswith("t-interval")
    assert lat["copies"] == 2  # the demo's graphs are small: two copies of each, taken in turn
    # --sources host: no power sensor, so energy and power are null with the reason, never 0.
    for key in ("energy", "power"):
        assert paired[key]["ratio"] is None and "no power sensor" in paired[key]["reason"]


def test_the_comparison_reads_the_ratio(q8_run):
    comparison = q8_run["data"]["comparison"]
    lat = _q8(q8_run["data"])["paired"]["latency"]
    row = next(m for m in comparison["metrics"] if m["key"] == "latency_mean_s")
    assert (
        row["ratio"] == lat["ratio"]
        and row["ratio_ci95"] == lat["ratio_ci95"]
        and row["pairs"] == lat["pairs"]
    )
    verdict = comparison["verdict"]
    assert verdict["sentence"] == comparison["summary"]
    assert verdict["time"]["ratio"] == lat["ratio"] and verdict["time"]["paired"] is True
    assert verdict["time"]["direction"] in ("slower", "faster", "no real change")
    word = {"slower": "x slower (", "faster": "x faster (", "no real change": "no real change in time ("}
    assert word[verdict["time"]["direction"]] in verdict["sentence"]


def test_pair_events_went_out_live_and_ops_arrived_during_timing(q8_run):
    events = load_trace(q8_run["dir"] / "rec.jsonl").events
    pairs = [e for e in events if e.get("type") == "pair"]
    assert pairs and all(e["variant"] == "q8" and e["against"] == "baseline" for e in pairs)
    assert sorted({(e["process"], e["processes"]) for e in pairs}) == [(1, 3), (2, 3), (3, 3)]
    ratios = _q8(q8_run["data"])["paired"]["latency"]["process_ratios"]
    for process, ratio in enumerate(ratios, start=1):  # each process's live pairs grow to its own answer
        mine = [e for e in pairs if e["process"] == process]
        assert [e["pairs"] for e in mine] == sorted(e["pairs"] for e in mine)
        assert mine[-1]["ratio"] == pytest.approx(ratio)
    assert all(e["ratio_ci95"] is None or len(e["ratio_ci95"]) == 2 for e in pairs)
    # A traced pass between timed chunks (the first at the first chunk boundary, then one a second): the
    # variant's first ops event comes right after a progress report and before its latency event.
    for variant in ("baseline", "q8"):
        mine = [e for e in events if e.get("variant") == variant]
        kinds = [e.get("type") for e in mine]
        first_ops, latency = kinds.index("ops"), kinds.index("latency")
        assert first_ops < latency, f"{variant}: no per-op pass ran while it was timed"
        assert kinds[first_ops - 1] == "progress"
        assert mine[first_ops]["passes"] == 1 and mine[first_ops]["final"] is False
        assert [e["final"] for e in mine if e.get("type") == "ops"][-1] is True
