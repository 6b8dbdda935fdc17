"""A second dashboard (another browser tab of `tocompress serve`) does not measure while one is measuring."""

from __future__ import annotations

import os

from core.run.boardlock import MeasureLock
from tui.screens.setup import SetupScreen


async def test_run_is_refused_with_one_line_while_another_process_measures(build_app) -> None:
    with MeasureLock():  # the lock file of this test (tests/conftest.py), as another dashboard would hold it
        app = build_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("r")
            await pilot.pause(0.2)
            assert app.session is None and isinstance(app.screen, SetupScreen)  # nothing started
            messages = [n.message for n in app._notifications]
    assert any(f"another tocompress (pid {os.getpid()}) is measuring on this board" in m for m in messages)
