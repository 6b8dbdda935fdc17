"""The sweep screen on a fleet sweep file: groups per board in the table, and a Boards tab with each setting's
ratio to the baseline on each board, side by side."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static, TabbedContent

from tests.fixtures.fleet import fleet_file
from tui.screens.sweep import SweepScreen


async def test_fleet_file_has_groups_per_board_and_a_boards_tab(build_app, tmp_path: Path):
    app = build_app(sweep_file=fleet_file(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SweepScreen)
        assert screen.models == ["mobilenet-v2 on tx2", "mobilenet-v2 on orin"]
        table = screen.query_one(DataTable)
        assert table.row_count == 8
        assert {str(table.get_row_at(i)[0]) for i in range(8)} == set(screen.models)
        screen.query_one(TabbedContent).active = "tab-boards"
        await pilot.pause()
        text = str(screen.query_one("#cross-board", Static).render())
        (q8,) = [line.split() for line in text.splitlines() if line.split()[:2] == ["mobilenet-v2", "q8"]]
        assert q8[2] == "1.45x" and q8[5] == "1.12x"  # orin, then tx2
