"""Paired timing statistics (core.measure.paired), the ABBA loop (core.worker.paired_runner) and the paired block
of a run (core.run.paired): hand-computed intervals, block order, the stopping rule at its thresholds."""

import math
import time

import numpy as np
import pytest

from core.measure.paired import (
    LATENCY_BLOCK_S,
    abba_order,
    direction,
    group_log_ratios,
    halfwidth_pct,
    merge_stopped,
    ratio_interval,
    stop_reason,
)
from core.run.paired import merge_paired, paired_block, paired_block_seconds, process_interval
from core.telemetry.sampler import Sampler
from core.worker.paired_runner import time_pairs
from core.worker.runner import Options


def test_ratio_interval_matches_a_hand_computed_case():
    # Three pairs with ratios 1.10, 1.20, 1.15: logs 0.0953102, 0.1823216, 0.1397619; mean 0.1391312,
    # sd 0.0435091, se 0.0251200; t(0.975, 2) = 4.3026527 -> half 0.1080826: 1.149275 (1.031536-1.280453).
    ratio, low, high = ratio_interval([math.log(1.10), math.log(1.20), math.log(1.15)])
    assert ratio == pytest.approx(math.exp(0.1391312), abs=1e-6) == pytest.approx(1.149275, abs=1e-6)
    assert (low, high) == (pytest.approx(1.031536, abs=1e-6), pytest.approx(1.280453, abs=1e-6))
    assert halfwidth_pct(ratio, low, high) == pytest.approx((math.exp(0.1080826) - 1) * 100, abs=1e-4)


def test_one_pair_has_a_ratio_but_no_interval_and_none_has_nothing():
    assert ratio_interval([math.log(2.0)]) == (pytest.approx(2.0), None, None)
    with pytest.raises(ValueError, match="no pairs"):
        ratio_interval([])


def test_group_log_ratio_sums_each_variants_two_blocks_and_drops_an_unfinished_group():
    # ABBA: A 1.0 s / 1000 it, B 1.2 s / 1000, B 1.4 s / 1000, A 1.0 s / 1000 -> B/A = 1.3; then half a group.
    logs = group_log_ratios([1.0, 1.2, 1.4, 1.0, 9.0, 9.0], [1000, 1000, 1000, 1000, 1, 1])
    assert logs == [pytest.approx(math.log(1.3))]
    # Counts differ: A 1.0 s / 500 + 1.0 s / 1500 = 1 ms each; B 2.0 s / 1000 = 2 ms -> 2.0.
    assert group_log_ratios([1.0, 1.0, 1.0, 1.0], [500, 500, 500, 1500]) == [pytest.approx(math.log(2.0))]
    # The second group is BAAB: B 1.5 s, A 1.0 s, A 1.0 s, B 1.5 s over 1000 each -> 1.5.
    logs = group_log_ratios([1.0, 1.2, 1.4, 1.0, 1.5, 1.0, 1.0, 1.5], [1000] * 8)
    assert logs == [pytest.approx(math.log(1.3)), pytest.approx(math.log(1.5))]
    with pytest.raises(ValueError, match="no positive cost"):
        group_log_ratios([1.0, -0.5, 0.5, 1.0], [10, 10, 10, 10])


def test_abba_order_alternates_abba_and_baab():
    assert abba_order(3) == [0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (1.0201, 1.20, 1),  # beyond 1 + 2%: slower
        (1.0200, 1.20, 0),  # touching the threshold is not beyond it
        (0.80, 0.9799, -1),
        (0.80, 0.9800, 0),
        (0.99, 1.01, 0),
        (None, None, 0),
    ],
)
def test_direction_only_beyond_the_threshold(low, high, expected):
    assert direction(low, high, 2.0) == expected


@pytest.mark.parametrize(
    ("pairs", "elapsed", "interval", "expected"),
    [
        (8, 1.0, (1.0, 0.985, 1.0152), "narrow"),  # half-width 1.5% <= 2%, inside the no-change band
        (13, 5.0, (1.029, 1.009, 1.049), None),  # 2% wide but straddling 1.02: not decided yet
        (13, 10.0, (1.029, 1.009, 1.049), "cap"),
        (13, 5.0, (1.04, 1.021, 1.059), "narrow"),  # 1.8% wide, wholly above 1.02
        (7, 1.0, (1.0, 0.985, 1.0152), None),  # below the minimum pairs
        (8, 1.0, (1.15, 1.13, 1.17), "narrow"),  # half-width 1.8%: the target, wholly above 1.02
        (8, 1.0, (1.15, 1.12, 1.18), None),  # 2.6% wide: above 1.02 but a 1.15x change needs the 2% target
        (8, 1.0, (1.30, 1.24, 1.36), None),  # 4.7% wide > a tenth of |log 1.30| (2.6%)
        (8, 1.0, (1.30, 1.27, 1.33), "excludes_one"),  # 2.3% wide <= 2.6%: clearly beyond 1, wider than 2%
        (8, 1.0, (2.0, 1.88, 2.13), "excludes_one"),  # a 2x change may stop at +/-6.4% (allowed: 6.9%)
        (8, 1.0, (0.5, 0.47, 0.532), "excludes_one"),  # the same on the faster side
        (8, 1.0, (2.0, 1.78, 2.25), None),  # +/-12%: too wide even for 2x
        (8, 1.0, (1.99, 1.108, 3.56), None),  # an A/A run hit by bursts of load on a busy machine (+/-79%)
        (8, 1.0, (1.05, 0.99, 1.11), None),  # wide and straddling: keep going
        (8, 10.0, (1.05, 0.99, 1.11), "cap"),
        (1, 10.0, (1.05, None, None), "cap"),
    ],
)
def test_stop_reason_at_its_thresholds(pairs, elapsed, interval, expected):
    assert stop_reason(pairs, elapsed, interval, 2.0, 2.0, 8, 10.0) == expected


def test_block_length_is_short_without_a_power_sensor_and_holds_updates_with_one():
    third = 10 / 3  # each of the three processes' share of the 10 s cap
    assert paired_block_seconds(None, None, third) == LATENCY_BLOCK_S == 0.025
    assert paired_block_seconds(None, 2.0, third) == LATENCY_BLOCK_S  # a fast sensor: 3 updates fit in 25 ms
    assert paired_block_seconds(None, 20.0, third) == pytest.approx(3 * 0.020 * 1.1)  # 3 updates of 20 ms
    # The TX2's INA3221 through jtop (422.4 ms): 3 updates would take 1.39 s a block; a third of the cap holds 8
    # groups of 4 blocks only at 104 ms each, so the block stays that short (and carries the warning).
    assert paired_block_seconds(None, 422.4, third) == pytest.approx(third / 32)
    assert paired_block_seconds(None, 422.4, 50.0) == pytest.approx(3 * 0.4224 * 1.1)  # a longer cap: all 3
    assert paired_block_seconds(0.2, 422.4, third) == 0.2  # the user's length wins


def test_merge_stopped():
    assert merge_stopped(["narrow", "narrow"]) == "narrow"
    assert merge_stopped(["narrow", "cap"]) == "cap"
    assert merge_stopped(["excludes_one", "narrow"]) == "excludes_one"


def _spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_time_pairs_runs_abba_blocks_and_finds_a_two_to_one_ratio():
    calls = []
    events = []
    fns = [lambda: (calls.append(0), _spin(0.0005)), lambda: (calls.append(1), _spin(0.001))]
    options = Options({"paired_block_s": 0.01, "paired_max_seconds": 5.0})
    latency, blocks = time_pairs(fns, options, ["baseline", "q8"], lambda kind, **f: events.append((kind, f)))
    assert [b[0] for b in blocks] == abba_order(len(blocks) // 4)
    # Calls follow the blocks: every block's inferences in a run, in the blocks' order.
    assert calls == [b[0] for b in blocks for _ in range(b[3])]
    assert all(b[1] < b[2] for b in blocks) and all(
        a[2] <= b[1] for a, b in zip(blocks[:-1], blocks[1:], strict=True)
    )
    # Clearly beyond 1 (or already narrow) after the minimum 8 pairs; a loaded machine can widen it up to the cap.
    assert latency["stopped"] in ("narrow", "excludes_one", "cap") and latency["pairs"] >= 8
    assert latency["stopped"] == "cap" or latency["halfwidth_pct"] <= 8.0
    assert latency["ratio_ci95"][0] > 1.02 and 1.4 < latency["ratio"] < 2.6  # 2.0 on a quiet machine
    kind, last = events[-1]
    assert kind == "pair" and last["pairs"] == latency["pairs"] and last["ratio"] == latency["ratio"]
    assert last["variant"] == "q8" and last["against"] == "baseline"


def test_copies_of_a_variant_take_turns_group_by_group():
    """With two loaded copies per variant (core.worker.paired_runner.COPIES), group g runs copy g mod 2 of each."""
    calls = []
    fns = [[(lambda v=v, c=c: calls.append((v, c))) for c in range(2)] for v in range(2)]
    options = Options({"paired_block_s": 0.001, "paired_max_seconds": 0.05})
    _, blocks = time_pairs(fns, options, ["baseline", "q8"], lambda *a, **k: None)
    assert len(blocks) >= 8
    expected = [(b[0], (i // 4) % 2) for i, b in enumerate(blocks) for _ in range(b[3])]
    assert calls == expected


class _Board:
    """A named power source for the sampler's buffers (never started: the test writes its readings)."""

    name = "board"
    default_rate_hz = 500.0


def _sampler_with(readings):
    sampler = Sampler([_Board()], capacity_s=60.0)
    for t, mw in readings:
        sampler._buffers["board"].append(t, {"power_mw": mw})
    return sampler


def _blocks(groups, n=(100, 80), block_s=0.1, t=100.0):
    out = []
    for v in abba_order(groups):
        out.append((v, t, t + block_s, n[v], block_s))
        t += block_s
    return out


def test_paired_block_pairs_energy_and_power_over_each_variants_own_blocks():
    blocks = _blocks(4)
    readings = []
    for i in range(int(1.7 / 0.002)):  # 2 ms reads of a sensor updating every 10 ms (+-1 mW between updates)
        t = 99.9 + i * 0.002
        inside = next((b for b in blocks if b[1] <= t < b[2]), None)
        base_mw = 6000.0 if inside is not None and inside[0] == 1 else 5000.0
        readings.append((t, base_mw + (1.0 if int((t - 99.9) / 0.01) % 2 else -1.0)))
    event = {"type": "paired", "variant": "q8", "against": "baseline", "blocks": [list(b) for b in blocks],
             "latency": {"ratio": 1.2, "ratio_ci95": [1.1, 1.3], "pairs": 4, "stopped": "excludes_one",
                         "block_s": 0.1, "threshold_pct": 2.0}}  # fmt: skip
    block = paired_block(event, _sampler_with(readings), "board", 4.0)
    energy, power = block["energy"], block["power"]
    # Above idle: baseline 1 W x 0.1 s / 100 = 1 mJ; compressed 2 W x 0.1 s / 80 = 2.5 mJ.
    assert energy["ratio"] == pytest.approx(2.5, rel=0.02)
    assert energy["per_variant"]["baseline"] == pytest.approx(0.001, rel=0.02)
    assert power["ratio"] == pytest.approx(1.2, rel=0.02) and power["pairs"] == 4
    assert 8 <= power["min_updates"] <= 11 and len(power["updates"]) == 16
    assert power["warning"] is None  # 8 or more updates a block: enough
    assert energy["ratio_ci95"][0] < energy["ratio"] < energy["ratio_ci95"][1]


def test_paired_block_without_sensor_or_idle_says_why():
    event = {"against": "baseline", "blocks": [list(b) for b in _blocks(2)], "latency": {"ratio": 1.1}}
    block = paired_block(event, None, None, None)
    assert block["energy"] == {
        "ratio": None,
        "reason": "no power sensor on this machine (see `tocompress sensors`)",
    }
    flat = _sampler_with([(99.0 + 0.002 * i, 5000.0 + (i // 5) % 2) for i in range(1000)])
    block = paired_block(event, flat, "board", None)
    assert block["energy"]["ratio"] is None and "idle power" in block["energy"]["reason"]
    assert block["power"]["ratio"] == pytest.approx(1.0, abs=1e-3)
    failed = paired_block(None, None, None, None, "paired stage: boom")
    assert failed["latency"] == {"ratio": None, "reason": "paired stage: boom"}


def test_a_block_shorter_than_three_sensor_updates_carries_a_warning():
    short = {"against": "baseline", "blocks": [list(b) for b in _blocks(2, block_s=0.015)], "latency": {}}
    every_10ms = _sampler_with([(99.0 + 0.002 * i, 5000.0 + (i // 5) % 2) for i in range(1000)])
    power = paired_block(short, every_10ms, "board", None)["power"]
    assert power["min_updates"] in (1, 2) and power["ratio"] == pytest.approx(1.0, abs=1e-3)
    assert power["warning"] == (
        f"a paired block held {power['min_updates']} power-sensor update{'s' * (power['min_updates'] != 1)}, "
        "fewer than 3: the energy and power ratios are shaky; set a longer --paired-block (and --paired-seconds "
        "to fit its pairs)"
    )


def test_merge_paired_puts_the_interval_over_process_ratios():
    def one(r):
        return {"against": "baseline", "latency": {"ratio": r, "ratio_ci95": [r * 0.99, r * 1.01], "pairs": 10,
                "processes": 1, "stopped": "narrow", "block_s": 0.1, "method": "m"},
                "energy": {"ratio": None, "reason": "no power sensor"}, "power": {"ratio": None, "reason": "x"}}  # fmt: skip

    merged = merge_paired([one(1.10), one(1.20), one(1.15)])
    lat = merged["latency"]
    assert (lat["processes"], lat["pairs"]) == (3, 30)
    # The same three log ratios as the hand-computed case above.
    assert lat["ratio"] == pytest.approx(1.149275, abs=1e-6)
    assert lat["ratio_ci95"] == [pytest.approx(1.031536, abs=1e-6), pytest.approx(1.280453, abs=1e-6)]
    assert lat["process_ratios"] == [1.10, 1.20, 1.15] and "3 processes" in lat["method"]
    assert merged["energy"]["ratio"] is None and "3 of 3 processes" in merged["energy"]["reason"]
    assert merge_paired([one(1.1)]) == one(1.1)
    assert np.isfinite(lat["halfwidth_pct"])


def test_processes_that_agree_by_chance_keep_the_interval_their_own_pairs_give():
    """Three equal ratios have a zero-width t-interval; the mean keeps the width of the processes' own noise:
    own SE ln(1.02/0.98)/2/t(29) each, sqrt(3) of them over 3, times t(2) (the process count's degrees of freedom,
    as in the modified Hartung-Knapp interval): 0.009780 * 1.732051 / 3 * 4.302653 = 0.024295."""
    parts = [{"ratio": 1.0, "ratio_ci95": [0.98, 1.02], "pairs": 30}] * 3
    ratio, low, high = process_interval(parts)
    own_se = math.log(1.02 / 0.98) / 2 / 2.045230
    half = 4.302653 * math.sqrt(3) * own_se / 3
    assert half == pytest.approx(0.024295, abs=1e-6)
    assert ratio == 1.0 and (low, high) == (
        pytest.approx(math.exp(-half), abs=1e-5),
        pytest.approx(math.exp(half), abs=1e-5),
    )
    assert 0.975 < low < 0.977 and 1.024 < high < 1.025
    # Without the processes' own intervals there is only the t-interval over their ratios.
    assert process_interval([{"ratio": 1.1}, {"ratio": 1.2}, {"ratio": 1.15}])[1] == pytest.approx(
        1.031536, abs=1e-6
    )
