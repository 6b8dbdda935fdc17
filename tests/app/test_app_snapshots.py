"""Snapshot tests of the setup and results screens at 80x24 (SSH) and 120x40 (demo), from fixed inputs.

Update after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest

SIZES = [(80, 24), (120, 40)]


async def _probed(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_setup(snap_compare, build_app, size):
    assert snap_compare(build_app(), terminal_size=size, run_before=_probed)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_setup_invalid_setting(snap_compare, build_app, size):
    async def type_bad_setting(pilot) -> None:
        await _probed(pilot)
        setting = pilot.app.screen.query_one("#compression")
        setting.value = "q8+x3"
        pilot.app.screen.query_one("#models").focus()
        await pilot.press("r")
        await pilot.pause()

    assert snap_compare(build_app(), terminal_size=size, run_before=type_bad_setting)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_results(snap_compare, build_app, result_q8, size):
    async def open_result(pilot) -> None:
        await _probed(pilot)
        pilot.app.show_result(result_q8)
        await pilot.pause()

    assert snap_compare(build_app(), terminal_size=size, run_before=open_result)


def test_help(snap_compare, build_app):
    assert snap_compare(build_app(), terminal_size=(80, 24), press=["question_mark"], run_before=_probed)
