"""The answer forming on the run screen (issue 16): `pair` events as the session sends them, folded by
core.run.livestate and shown by the pair panel, in the quiet-while-timing mode too; and the results table's ratio
column for rows that carry a paired ratio. No worker process: the events are constructed as the protocol says.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from core.report.comparison import Comparison
from core.report.rows import METRICS, Row
from core.report.verdict import Verdict
from core.run.livestate import LiveState
from tests.app.conftest import SENSORS_HERE
from tests.app.test_app_live_panels import EVENTS, wait_until
from tui.screens.run import LiveRun, RunScreen
from tui.view.tables import comparison_table, comparison_view
from tui.widgets.comparison import ComparisonView
from tui.widgets.pairs import direction, interval_scale, pair_lines

TIMING = EVENTS[: next(i for i, e in enumerate(EVENTS) if e.get("name") == "tracing")]
Q8_TIMING = [{"type": "phase", "variant": "q8", "name": "timing", "rss_bytes": 4e8}]


def pair(pairs: int, ratio: float, ci: list[float] | None, variant: str = "q8") -> dict:
    return {"v": 1, "type": "pair", "t": time.monotonic(), "variant": variant, "pairs": pairs, "ratio": ratio,
            "ratio_ci95": ci}  # fmt: skip


def timing_run(variants: list[str] | None = None) -> LiveRun:
    live = LiveRun("digits-cnn", variants or ["baseline", "q8"], started_at=time.monotonic())
    for event in TIMING + Q8_TIMING:
        live.apply(event)
    return live


def test_pair_events_fold_into_the_variant_and_the_final_block_wins():
    state = LiveState(["baseline", "q8"])
    state.apply(pair(2, 1.2, None))
    state.apply(pair(48, 1.12, [1.08, 1.16]))
    q8 = state.variants["q8"]
    assert q8.pair == {"t": q8.pair["t"], "pairs": 48, "ratio": 1.12, "ratio_ci95": [1.08, 1.16]}
    assert state.variants["baseline"].pair is None and q8.paired_latency is None
    final = {"ratio": 1.118, "ratio_ci95": [1.1, 1.137], "pairs": 60, "stopped": "excludes_one"}
    state.apply({"type": "run", "variant": "q8", "run": {"status": "complete", "paired": {"latency": final}}})
    assert q8.paired_latency == final
    text = pair_lines(state, 120).plain
    assert text.startswith("q8 / baseline: 1.118x (1.100-1.137), 60 pairs")
    assert text.endswith("slower (interval clear of 1)")


def test_direction_reads_the_interval_against_the_band():
    assert direction([1.03, 1.10], final=False)[0] == "slower"
    assert direction([0.90, 0.97], final=False)[0] == "faster"
    assert direction([0.991, 1.017], final=False)[0] == "no real change"  # inside 1 +/- 2%
    assert (
        direction([0.97, 1.01], final=False)[0] == "undecided"
    )  # across the band's edge, pairs still coming
    assert direction([0.97, 1.01], final=True)[0] == "no real change"
    assert direction([1.005, 1.015], final=False)[0] == "no real change"  # excludes 1, but by less than 2%


def test_the_scale_puts_one_the_band_and_the_interval_where_they_belong():
    scale = interval_scale(1.12, [1.08, 1.16], 41).plain  # span 0.2: 0.83 .. 1.20, 1 in the middle
    assert scale.startswith("0.83 ") and scale.endswith(" 1.20")
    cells = scale[5:-5]
    assert len(cells) == 41 and cells[20] == "│"
    assert "░" in cells[17:20] and "░" in cells[21:24]  # the +/-2% band around 1
    dot = cells.index("●")
    assert (
        20 < cells.index("━") < dot < len(cells) - 1 - cells[::-1].index("━")
    )  # the ratio inside its interval
    narrow = interval_scale(1.004, [0.995, 1.013], 41).plain[5:-5]
    assert "━" not in narrow[:15] and "━" not in narrow[27:]  # a narrow interval stays near 1 (span 0.05)


async def test_panel_waits_then_shows_the_ratio_narrowing_in_quiet_mode(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        live = timing_run()
        screen = RunScreen(live, None, None)
        app.push_screen(screen)
        await pilot.pause()
        assert screen.quiet and screen.timing  # quiet while timing: 1 Hz redraws
        lines = screen.query_one("#pair-lines")
        assert text_of(lines).strip() == "q8 / baseline: waiting for pairs"

        live.apply(pair(2, 1.2, None))
        await wait_until(pilot, lambda: "2 pairs" in text_of(lines), "the first pair")
        assert "q8 / baseline: 1.200x, 2 pairs  interval after more pairs" in text_of(lines)

        live.apply(pair(12, 1.15, [1.01, 1.31]))
        await wait_until(pilot, lambda: "12 pairs" in text_of(lines), "a wide interval")
        wide = text_of(lines)
        assert "q8 / baseline: 1.15x (1.01-1.31), 12 pairs" in wide and wide.rstrip().endswith("undecided")

        live.apply(pair(48, 1.12, [1.08, 1.16]))
        await wait_until(pilot, lambda: "48 pairs" in text_of(lines), "the narrower interval")
        narrow = text_of(lines)
        assert "q8 / baseline: 1.12x (1.08-1.16), 48 pairs" in narrow and narrow.rstrip().endswith("slower")
        assert narrow.count("━") < wide.count("━")  # the interval narrows on the scale as pairs arrive
        assert "│" in narrow and "░" in narrow and "●" in narrow
        assert screen.quiet and screen.timing  # all of it while timing, in the quiet mode
        assert screen.query_one("#pairs").border_subtitle == "95% interval · ░ ±2%: no real change"


async def test_panel_says_why_when_there_is_nothing_to_pair(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        alone = LiveRun("digits-cnn", ["q8"])  # --no-baseline
        alone.apply(Q8_TIMING[0])
        screen = RunScreen(alone, None, None)
        app.push_screen(screen)
        await pilot.pause()
        assert (
            text_of(screen.query_one("#pair-lines")).strip() == "no baseline in this run, so no paired ratio"
        )
        app.pop_screen()
        live = timing_run()  # a recording from before pairing: q8 ends and no pair came
        screen = RunScreen(live, None, None)
        app.push_screen(screen)
        await pilot.pause()
        live.apply({"type": "result", "variant": "q8", "status": "complete"})
        await pilot.pause(0.3)  # q8's own run is over, but the paired stage comes after it: still waiting
        assert text_of(screen.query_one("#pair-lines")).strip() == "q8 / baseline: waiting for pairs"
        live.apply({"type": "session", "state": "done", "status": "complete"})
        await wait_until(pilot, lambda: "not paired" in text_of(screen.query_one("#pair-lines")), "the end")
        assert text_of(screen.query_one("#pair-lines")).strip() == "q8 / baseline: not paired in this run"


@dataclass(frozen=True)
class PairedRow(Row):
    """A row as core.report.rows makes it for a paired run: its `paired` block (ratio, ratio_ci95, pairs, method)."""

    paired: dict | None = None


def paired_comparison() -> Comparison:
    metric = {m.key: m for m in METRICS}
    latency = {"ratio": 1.12, "ratio_ci95": [1.08, 1.16], "pairs": 48, "method": "t-interval on log ratios"}
    rows = (
        Row(metric["size_bytes"], 606130.0, 153035.0, -74.8, None, None),
        PairedRow(metric["latency_mean_s"], 4.1e-4, 4.6e-4, 12.2, False, None, latency),
        PairedRow(metric["energy_j"], None, None, None, None, "no power sensor", None),
    )
    return Comparison("baseline", "q8", rows, Verdict((), "undecided", "time not measured"))


def test_the_table_shows_the_ratio_column_only_for_paired_rows(result_q8):
    import io

    from rich.console import Console

    def render(table) -> str:
        console = Console(width=120, file=io.StringIO(), record=True, color_system=None)
        console.print(table)
        return console.export_text()

    shown = render(comparison_table(paired_comparison()))
    assert "ratio (95%)" in shown
    line = next(x for x in shown.splitlines() if "Inference time" in x)
    assert line.split()[-2:] == ["1.12x", "(1.08-1.16)"] and "+12.2% ▼" in line
    size = next(x for x in shown.splitlines() if "Model size" in x)
    assert size.rstrip().endswith("-74.8% ▲")  # not paired: its ratio cell is empty
    from core.report.comparison import comparisons_of

    (unpaired,) = comparisons_of(result_q8)  # a result from before pairing: no ratio column at all
    assert "ratio (95%)" not in render(comparison_table(unpaired))
    # Under the table, the paired rows say where their change comes from; an unpaired comparison has no such line.
    view = render(comparison_view(paired_comparison()))
    assert "Inference time (mean): change and ratio from paired timing" in " ".join(view.split())
    assert "paired timing" not in render(comparison_view(unpaired))


async def test_results_view_shows_the_ratio_and_its_interval(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        view = ComparisonView()
        await app.screen.mount(view)
        view.show([paired_comparison()])
        await pilot.pause()
        shown = text_of(view, width=80)
        assert "ratio (95%)" in shown and "1.12x (1.08-1.16)" in shown


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_run_screen_with_the_pair_panel(snap_compare, build_app, size):
    """The run screen's layout with the pair panel, q8 timing and 48 pairs in (no sampler: fixed text)."""

    async def show_pairs(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()  # the probe's message handled before the screen opens
        live = timing_run()
        for event in (pair(12, 1.15, [1.01, 1.31]), pair(48, 1.12, [1.08, 1.16])):
            live.apply(event)
        pilot.app.push_screen(RunScreen(live, None, list(SENSORS_HERE)))
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(build_app(), terminal_size=size, run_before=show_pairs)


async def test_paired_stage_counts_as_timing(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        live = timing_run()
        for event in (
            {"type": "result", "variant": "baseline", "status": "complete"},
            {"type": "latency", "variant": "q8", "n": 900, "mean_s": 4.6e-4, "converged": True},
            {"type": "result", "variant": "q8", "status": "complete"},
            {"type": "session", "state": "paired", "message": "timing baseline and q8 in alternating blocks"},
            pair(20, 0.96, [0.94, 0.975]),
        ):
            live.apply(event)
        screen = RunScreen(live, None, list(SENSORS_HERE))
        app.push_screen(screen)
        await pilot.pause()
        assert screen.quiet and screen.timing  # the paired blocks are measured: quiet, as the timed loop is
        phase = text_of(screen.query_one("#phase-line"))
        assert "paired timing: baseline and compressed in alternating blocks" in phase
        assert text_of(screen.query_one("#pair-lines")).rstrip().endswith("faster")
