"""`--compress-python` and `--worker-python`: parsed, checked in one line, passed to the session, and shown on the
setup screen's model detail where set (and only there: the default interpreter needs no mention)."""

from __future__ import annotations

import sys

import pytest
from textual.widgets import Static

from tui.cli.main import build_parser
from tui.cli.preflight import UsageError, check_worker_python


def test_both_flags_parse_for_the_dashboard_and_run():
    args = build_parser().parse_args(
        ["--compress-python", "/opt/py311", "--worker-python", "/usr/bin/python3"]
    )
    assert (args.compress_python, args.worker_python) == ("/opt/py311", "/usr/bin/python3")
    assert (
        build_parser().parse_args(["run", "--compress-python", "/opt/py311"]).compress_python == "/opt/py311"
    )
    assert build_parser().parse_args([]).compress_python is None


def test_a_missing_interpreter_is_refused_naming_its_flag():
    with pytest.raises(UsageError, match="^--compress-python /nope/python: not an executable"):
        check_worker_python("/nope/python", "--compress-python")
    check_worker_python(sys.executable, "--compress-python")


async def test_the_setup_screen_names_the_interpreters_that_are_set(build_app, text_of):
    app = build_app(compress_python=sys.executable, worker_python="/usr/bin/python3")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = " ".join(text_of(app.screen.query_one("#model-detail", Static)).split())
    assert f"workers: {sys.executable} (--compress-python), /usr/bin/python3 (--worker-python)" in detail
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "workers:" not in text_of(app.screen.query_one("#model-detail", Static))
