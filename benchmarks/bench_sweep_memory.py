"""Does the dashboard's memory stay flat while a 50-point sweep arrives? (no workers: lines written directly)

Builds 50 points from the fixture sweep file (tests/app/fixtures/sweep_two_models.jsonl, settings renamed so
each point is new), opens the sweep screen headless at 120x40 on an empty file, appends one point at a time,
polls the screen as its timer would, cycles the tabs so every plot is drawn, and prints the dashboard's RSS after
every 5 points. Each point's line is ~7 KiB, so 50 points of data are ~0.35 MiB: growth beyond that is a leak.

    python benchmarks/bench_sweep_memory.py [points] [rounds]
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.widgets import TabbedContent  # noqa: E402

from tests.app.conftest import SENSORS_HERE, fixed_rows  # noqa: E402
from tui.app import make_app  # noqa: E402
from tui.screens.sweep import SweepScreen  # noqa: E402

FIXTURE = ROOT / "tests" / "app" / "fixtures" / "sweep_two_models.jsonl"
TABS = ("tab-points", "tab-size", "tab-energy", "tab-models")


def lines(n: int) -> list[bytes]:
    """n distinct point lines made from the fixture's (setting and key get a suffix)."""
    src = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    out = []
    for i in range(n):
        rec = json.loads(json.dumps(src[i % len(src)]))
        if rec["sweep"]["setting"] != "baseline" or i >= len(src):
            rec["sweep"]["key"] += f"#{i}"
            rec["sweep"]["setting"] += f"-{i}"
        out.append((json.dumps(rec) + "\n").encode())
    return out


async def main(n_points: int = 50, rounds: int = 3) -> None:
    proc = psutil.Process()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.jsonl"
        path.write_bytes(b"")
        data = lines(n_points)
        app = make_app(rows=fixed_rows(), probe=lambda s: list(SENSORS_HERE), sweep_file=path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, SweepScreen)
            print(f"start: RSS {proc.memory_info().rss / 2**20:.1f} MiB")
            for rnd in range(rounds):
                if rnd:  # start over: the file is truncated, as when a torn tail is dropped, and refilled
                    path.write_bytes(b"")
                for i, line in enumerate(data, 1):
                    with path.open("ab") as fh:
                        fh.write(line)
                    screen.poll()
                    screen.query_one(TabbedContent).active = TABS[i % len(TABS)]
                    await pilot.pause()
                    if i % 5 == 0:
                        rss = proc.memory_info().rss / 2**20
                        print(f"round {rnd + 1} points {i:3d}: RSS {rss:.1f} MiB, rows {len(screen.points)}")
            print(f"end: RSS {proc.memory_info().rss / 2**20:.1f} MiB")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*args))
