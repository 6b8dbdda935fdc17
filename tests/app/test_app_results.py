"""Results and compare screens fed from a result file: the table, colours, verdicts, saving, comparing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from core.report.comparison import comparisons_of
from core.report.result_file import load_result, validate_result
from tui.screens.compare import CompareScreen
from tui.screens.results import ResultsScreen, status_line
from tui.screens.setup import SetupScreen
from tui.view.format import BETTER_STYLE, MISSING, NEUTRAL_STYLE, WORSE_STYLE, change_text

FIXTURES = Path(__file__).parent / "fixtures"


def test_header_calls_the_shipped_demo_weights_shipped():
    """The results header said "pretrained weights" for digits-cnn, whose weights ship with tocompress."""
    block = {
        "kind": "pretrained",
        "file": "/opt/tocompress/assets/models/digits-cnn.keras",
        "sha256": "ab" * 32,
    }
    result = {
        "model": "digits-cnn",
        "status": "complete",
        "runs": [{"variant": "q8", "model": {"weights": block}}],
    }
    header = status_line(result, None).plain
    assert "shipped demo weights digits-cnn.keras" in header and "pretrained" not in header


def test_change_is_coloured_by_what_is_better_for_that_metric(result_q8):
    (comparison,) = comparisons_of(result_q8)
    size = change_text(comparison.row("size_bytes"))  # smaller is better
    assert size.plain == "-74.8% ▲" and size.style == BETTER_STYLE
    top1 = change_text(comparison.row("top1"))  # no change: neither colour
    assert top1.plain == "+0.0%" and top1.style == NEUTRAL_STYLE
    latency = change_text(comparison.row("latency_mean_s"))  # +4.3%, but inside both CIs: noise
    assert latency.plain == "+4.3%" and latency.style == NEUTRAL_STYLE
    gpu = change_text(comparison.row("gpu_load_pct"))  # not measured here
    assert gpu.plain == MISSING
    slower = dict(result_q8["runs"][1], latency=dict(result_q8["runs"][1]["latency"], mean_s=0.001))
    (worse,) = comparisons_of(dict(result_q8, runs=[result_q8["runs"][0], slower]))
    latency = change_text(worse.row("latency_mean_s"))  # lower is better, and it rose beyond the CIs
    assert latency.plain.endswith("% ▼") and latency.style == WORSE_STYLE


async def test_results_screen_shows_both_runs_and_a_verdict_per_goal(build_app, result_q8, text_of):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_result(result_q8)
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        shown = text_of(app.screen.query_one("#comparison", Static))
        assert "Model size" in shown and "591.9 KiB" in shown and "149.4 KiB" in shown and "-74.8%" in shown
        sentence = " ".join(shown.split())  # the verdict wraps at 80 columns
        assert (
            "75% smaller, no real change in time, energy not measured here, same top-1 accuracy: compress"
            in sentence
        )
        assert (
            "not measured here: Energy / inference, Power (mean), Power (peak): no power sensor" in sentence
        )
        await pilot.press("escape")
        assert isinstance(app.screen, SetupScreen)


async def test_save_writes_a_valid_file_at_the_default_path(
    build_app, result_q8, tmp_path, monkeypatch, text_of
):
    monkeypatch.chdir(tmp_path)
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_result(result_q8)
        await pilot.pause()
        path_input = app.screen.query_one("#save-path", Input)
        assert path_input.value == "results/digits-cnn-q8-20261129-170340.json"
        await pilot.press("s")
        saved = tmp_path / path_input.value
        assert saved.is_file()
        data = json.loads(saved.read_text())
        validate_result(data)
        assert data["comparison"] == result_q8["comparison"]
        assert app.last_saved == saved.relative_to(tmp_path)
        assert "saved results/" in text_of(app.screen.query_one("#save-status", Static))


async def test_save_to_an_unwritable_path_says_so_in_one_line(build_app, result_q8, tmp_path, text_of):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_result(result_q8)
        await pilot.pause()
        app.screen.query_one("#save-path", Input).value = str(blocker / "r.json")
        await pilot.press("s")
        status = text_of(app.screen.query_one("#save-status", Static)).strip()
        assert status.startswith(f"cannot write {blocker / 'r.json'}") and "\n" not in status
        assert app.last_saved is None


async def test_compare_two_saved_files_side_by_side(build_app, result_q8, tmp_path, text_of):
    results = tmp_path / "results"
    results.mkdir()
    shutil.copy(FIXTURES / "result_q8.json", results / "q8.json")
    # A second file: the same model at q6, larger accuracy loss (edited copy of the fixture).
    q6 = load_result(results / "q8.json")
    q6["runs"][1]["variant"] = "q6"
    q6["runs"][1]["model"]["size_bytes"] = 120000
    q6["runs"][1]["accuracy"]["top1"] = 0.90
    (results / "q6.json").write_text(json.dumps(q6))
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_result(result_q8)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.query_one("#files", DataTable)
        assert table.row_count == 2
        names = [screen.files[i][0].name for i in range(2)]
        await pilot.press("a", "down", "b")
        assert screen.query_one("#path-a", Input).value.endswith(names[0])
        assert screen.query_one("#path-b", Input).value.endswith(names[1])
        shown = text_of(screen.query_one("#compare-view", Static))
        legend = text_of(screen.query_one("#compare-status", Static))
        assert "digits-cnn q6" in legend and "digits-cnn q8" in legend
        assert "Model size" in shown and "149.4 KiB" in shown and "117.2 KiB" in shown
        assert "90.00%" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, ResultsScreen)


async def test_compare_with_a_broken_file_shows_one_line(build_app, tmp_path, text_of):
    results = tmp_path / "results"
    results.mkdir()
    (results / "broken.json").write_text("{not json")
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        screen = app.screen
        screen.query_one("#path-a", Input).value = str(results / "broken.json")
        screen.query_one("#path-b", Input).value = str(results / "missing.json")
        screen.compare()
        status = text_of(screen.query_one("#compare-status", Static)).strip()
        assert "is not valid JSON" in status and "\n" not in status


async def test_a_lone_run_shows_its_values_and_why_there_is_no_comparison(build_app, result_q8, text_of):
    cancelled = dict(result_q8, runs=result_q8["runs"][:1], comparison=None, status="cancelled")
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ResultsScreen(cancelled, setting="q8"))  # as a run cancelled during q8 opens it
        await pilot.pause()
        shown = text_of(app.screen.query_one("#comparison", Static))
        assert "Model size" in shown and "591.9 KiB" in shown and "▲" not in shown
        assert "q8 was not measured, so there is nothing to compare with" in shown
