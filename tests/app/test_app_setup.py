"""Setup screen driven by keys: model list, presets, order swap, and one-line errors for what cannot run."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from tui.app import TocompressApp
from tui.screens.dialogs import HelpScreen
from tui.screens.run import RunScreen
from tui.screens.setup import SetupScreen
from tui.view.setupform import ModelRow


async def test_opens_on_the_demo_model_with_q8(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        assert screen.selected_row().info.name == "digits-cnn"
        assert screen.query_one("#compression", Input).value == "q8"
        assert "quantize weights to 8 bits" in text_of(screen.query_one("#spec-detail", Static))
        table = screen.query_one("#models", DataTable)
        assert table.row_count == len(app.rows) >= 12  # the demo model and the paper's Table I
        sensors = text_of(screen.query_one("#sensors", Static))
        assert "✓ host" in sensors and "✗ jtop" in sensors and "jtop.service is not active" in sensors


async def test_the_weights_column_is_whole_at_80x24(build_app):
    """At 80x24 the models table showed "shippe": the weights column must end inside the visible width."""
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#models", DataTable)
        visible = table.scrollable_content_region.width
        end = 0
        for column in table.ordered_columns:
            end += column.get_render_width(table)
            if str(column.label) == "weights":
                break
        assert str(column.label) == "weights" and column.content_width >= len("shipped")
        assert end <= visible, f"weights column ends at {end}, table shows {visible} columns"


async def test_preset_keys_and_order_swap_change_the_setting(build_app):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        setting = app.screen.query_one("#compression", Input)
        for key, expected in (
            ("1", "q16"),
            ("3", "q6"),
            ("4", "p0.05"),
            ("5", "q8+p0.05"),
            ("0", "baseline"),
        ):
            await pilot.press(key)
            assert setting.value == expected, key
        await pilot.press("5", "o")
        assert setting.value == "p0.05+q8"
        assert str(app.screen.current_spec()) == "p0.05+q8"


async def test_invalid_setting_shows_one_line_and_does_not_run(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        setting = app.screen.query_one("#compression", Input)
        setting.focus()
        setting.value = ""
        await pilot.press(*"q17", "enter")
        error = text_of(app.screen.query_one("#setup-error", Static)).strip()
        assert "17 bits is out of range" in error
        assert "\n" not in error
        assert isinstance(app.screen, SetupScreen) and app.session is None


async def test_bad_option_and_unavailable_model_are_refused_with_the_reason(build_app, text_of):
    from core.models.registry import get_model_info
    from tests.app.conftest import fixed_rows

    # Every registered model runs here (random weights at worst): an unavailable one is made up for the test.
    unbuilt = ModelRow(get_model_info("inception-v1"), False, "inception-v1 has no builder in this version")
    app = build_app(rows=[fixed_rows()[0], unbuilt])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.query_one("#opt-min_iters", Input).value = "lots"
        screen.query_one("#models", DataTable).focus()
        await pilot.press("r")
        assert "min iterations: 'lots' is not a whole number" in text_of(
            screen.query_one("#setup-error", Static)
        )
        screen.query_one("#opt-min_iters", Input).value = "30"
        await pilot.press("down", "r")  # the made-up unavailable row
        assert screen.selected_row().info.name == "inception-v1"
        error = text_of(screen.query_one("#setup-error", Static))
        assert "inception-v1 cannot run here: inception-v1 has no builder" in error
        assert not any(isinstance(s, RunScreen) for s in app.screen_stack)


async def test_user_file_is_listed_last_and_runs_with_its_args(build_app, monkeypatch, tmp_path, text_of):
    from tui.view.setupform import catalog_rows

    args = {"path": str(tmp_path / "mynet.keras"), "input_shape": [32, 32, 3], "preprocess": "tf"}
    rows = catalog_rows(args)
    assert [r.weights for r in rows if r.info.name == "digits-cnn"] == ["shipped"]
    started = []
    monkeypatch.setattr(TocompressApp, "_start", lambda self, *a, **kw: started.append(a))
    app = build_app(rows=rows, model="mynet.keras")
    async with app.run_test(size=(120, 40)) as pilot:
        row = app.screen.selected_row()
        assert row.info.name == "mynet.keras" and row.weights == "user file" and row.model_args == args
        assert "input 32x32x3" in text_of(app.screen.query_one("#model-detail", Static))
        await pilot.press("r")
    assert [m for m, _, _ in started] == ["mynet.keras"]


async def test_help_opens_and_closes(build_app):
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, SetupScreen)


async def test_enter_and_r_ask_for_a_run_of_the_highlighted_model_with_the_setting(build_app, monkeypatch):
    started = []
    monkeypatch.setattr(TocompressApp, "_start", lambda self, *args, **kw: started.append(args))
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "enter")
        screen = app.screen
        screen.query_one("#opt-max_seconds", Input).value = "7.5"
        screen.query_one("#opt-eval_limit", Input).value = "100"
        await pilot.press("r")
    assert [(model, str(spec)) for model, spec, _ in started] == [("digits-cnn", "q8+p0.05")] * 2
    options = started[1][2]
    assert options.max_seconds == 7.5 and options.eval_limit == 100 and options.min_iters == 30


async def test_w_key_chooses_the_weights_for_the_session(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        detail = screen.query_one("#model-detail", Static)
        assert app.weights is None and "this run:" not in text_of(detail)
        await pilot.press("w")
        assert app.weights == "random" and "this run: random" in text_of(detail)
        await pilot.press("w", "w")
        assert app.weights is None
