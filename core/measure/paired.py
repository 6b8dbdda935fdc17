"""Paired comparison statistics: ABBA block order, the ratio of two variants from pairs of blocks, its 95% interval,
the stopping rule and the direction a verdict may read from it.

Why pairs: timing each variant in its own process, one after the other, puts everything that differs between two
processes and two moments (memory layout, caches, clocks, other load) into the comparison, and per-iteration
intervals are too narrow because successive iterations are not independent. Blocks interleaved in ABBA order cancel
a linear drift inside each group, and the t-interval on the groups' log ratios sees the noise that is left. A pair
is one ABBA group (two blocks of each variant; every other group is BAAB, so neither variant always sits next to the
pauses between groups): its log ratio is log(cost per inference of B / that of A), the costs summed over the
variant's two blocks of the group. Python 3.6-compatible (the run stage uses it).
"""

import math
from typing import List, Optional, Sequence, Tuple  # noqa: F401 (used by the type comments)

from core.measure.timing import _t_crit

ABBA = (0, 1, 1, 0)  # variant index of each block in a group: A = 0 (reference), B = 1
# Every other group: each variant sits next to the group boundaries (stats, events) as often.
BAAB = (1, 0, 0, 1)
# Block length without a power sensor to pair. The per-group log ratios of the demo model spread about 8% at any
# block length from 25 to 200 ms (measured: the noise is slow, not per inference), so shorter blocks give more
# pairs a second: the ratio's standard error after 10 s was 0.8% with 25 ms blocks against 1.5% with 100 ms ones.
# Where power is paired the session lengthens blocks to BLOCK_UPDATES sensor updates (core.run.paired).
LATENCY_BLOCK_S = 0.025
# Sensor updates a block holds where power is paired: one or two would not measure the block.
BLOCK_UPDATES = 3
TARGET_HALFWIDTH_PCT = 2.0  # stop when the ratio's interval is this narrow (half-width, % of the ratio) ...
THRESHOLD_PCT = 2.0  # ... or when it lies beyond 1 +/- this: a smaller change is no real change
MIN_PAIRS = 8
# "Clearly beyond 1" may rest on an interval wider than the target only in proportion to the change: a half-width
# up to this share of |log ratio| (a 2x change may stop at +/-6.9%, a 1.15x one needs the 2% target). A fixed
# allowance let the quick check stop at +/-3% whenever it was above 1.02, and its ratios then spread 1.055
# max/min over 10 fresh runs (at 4x the target, 1.077): the spread follows the width the rule stops at.
EXCLUDES_EFFECT_SHARE = 0.1
METHOD_PAIRS = "t-interval on per-pair log ratios (a pair: one ABBA group of {block_ms:g} ms blocks)"
METHOD_PROCESSES = (
    "t-interval on per-process log ratios over {k} processes (each: ABBA groups of {block_ms:g} ms blocks)"  # noqa: E501
)

Interval = Tuple[float, Optional[float], Optional[float]]  # noqa: UP006, UP007, UP045 (Python 3.6)


def group_pattern(group):
    # type: (int) -> Tuple[int, ...]
    """The variant order of group number `group` (from 0): ABBA, BAAB, ABBA, ..."""
    return ABBA if group % 2 == 0 else BAAB


def abba_order(groups):
    # type: (int) -> List[int]
    """The variant index of each block for `groups` groups: 0 1 1 0  1 0 0 1  0 1 1 0 ..."""
    return [v for g in range(groups) for v in group_pattern(g)]


def group_log_ratios(costs, counts):
    # type: (Sequence[float], Sequence[float]) -> List[float]
    """Per-group log ratios B/A from blocks in abba_order: `costs[i]` is what block i spent in all (seconds,
    joules) over `counts[i]` inferences. Trailing blocks of an unfinished group are left out; a group where a
    variant's cost per inference is not positive gives no ratio (ValueError: a log needs positive numbers)."""
    ratios = []  # type: List[float]
    for g in range(len(costs) // len(ABBA)):
        sums = [[0.0, 0.0], [0.0, 0.0]]  # per variant: cost, inferences (or seconds)
        for j, variant in enumerate(group_pattern(g)):
            i = g * len(ABBA) + j
            sums[variant][0] += float(costs[i])
            sums[variant][1] += float(counts[i])
        (cost_a, n_a), (cost_b, n_b) = sums
        if n_a <= 0 or n_b <= 0 or cost_a <= 0 or cost_b <= 0:
            raise ValueError(
                f"a block group has no positive cost for one variant (group {g + 1}); no log ratio"
            )
        ratios.append(math.log((cost_b / n_b) / (cost_a / n_a)))
    return ratios


def ratio_interval(log_ratios):
    # type: (Sequence[float]) -> Interval
    """(ratio, low, high): the geometric mean of the ratios and its 95% Student t interval; low/high None with
    fewer than 2 log ratios. ValueError when there is none."""
    n = len(log_ratios)
    if n == 0:
        raise ValueError("no pairs to estimate a ratio from")
    mean = math.fsum(log_ratios) / n
    if n < 2:
        return math.exp(mean), None, None
    var = math.fsum((x - mean) ** 2 for x in log_ratios) / (n - 1)
    half = float(_t_crit(n - 1)) * math.sqrt(var / n)
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def halfwidth_pct(ratio, low, high):
    # type: (float, Optional[float], Optional[float]) -> float
    """The interval's half-width in % of the ratio (on the log scale, as it was built); inf without one."""
    if low is None or high is None or ratio <= 0:
        return math.inf
    return (math.sqrt(high / low) - 1.0) * 100.0


def direction(low, high, threshold_pct=THRESHOLD_PCT):
    # type: (Optional[float], Optional[float], float) -> int
    """+1 when the whole interval is above 1 + threshold, -1 when it is below 1 - threshold, else 0 (no real
    change, or not known): the one rule the stopping rule and the verdicts share."""
    if low is None or high is None:
        return 0
    if low > 1.0 + threshold_pct / 100.0:
        return 1
    if high < 1.0 - threshold_pct / 100.0:
        return -1
    return 0


def stop_reason(
    pairs, elapsed_s, interval, target_pct, threshold_pct, min_pairs, max_seconds, min_seconds=0.0
):
    # type: (int, float, Interval, float, float, int, float, float) -> Optional[str]
    """ "narrow", "excludes_one" or "cap" when paired timing should stop after `pairs` groups, else None.

    A narrow interval that straddles 1 +/- the threshold has not decided between "no real change" and a direction
    (a run stopped at 1.029 (1.009-1.049) read "no real change" where nine others read "slower"), so timing goes on
    until it lies on one side of the threshold or the cap comes. An interval wider than the target stops only as
    "excludes_one": beyond the threshold and within EXCLUDES_EFFECT_SHARE of the change's size."""
    if pairs >= min_pairs and elapsed_s >= min_seconds:
        half = halfwidth_pct(*interval)
        if half <= target_pct and _decided(interval[1], interval[2], threshold_pct):
            return "narrow"
        usable = half <= max(target_pct, EXCLUDES_EFFECT_SHARE * abs(math.log(interval[0])) * 100.0)
        if usable and direction(interval[1], interval[2], threshold_pct) != 0:
            return "excludes_one"
    if elapsed_s >= max_seconds:
        return "cap"
    return None


def _decided(low, high, threshold_pct):
    # type: (Optional[float], Optional[float], float) -> bool
    """The interval lies wholly beyond 1 +/- the threshold on one side, or wholly inside the no-change band."""
    if low is None or high is None:
        return False
    band_low, band_high = 1.0 - threshold_pct / 100.0, 1.0 + threshold_pct / 100.0
    return direction(low, high, threshold_pct) != 0 or (low >= band_low and high <= band_high)


def merge_stopped(stopped):
    # type: (Sequence[str]) -> str
    """One stop word for several processes: theirs when they agree, else "cap" if any hit it, else the first."""
    if len(set(stopped)) == 1:
        return stopped[0]
    return "cap" if "cap" in stopped else stopped[0]
