"""How often do the live panels redraw, what does a redraw cost, and how fast does a key answer meanwhile?

Opens the run screen on a replayed TX2 board (the shipped trace through the real Sampler, as
tests/app/test_app_live_panels.py does; no worker process), lets it run for N seconds at 120x40, then presses `?`
and times until the help screen is up. Prints redraws per second against the screen's REFRESH_HZ target, the mean
and worst cost of one redraw, and the key latency. The app tests assert only that redraws happen and change what
is shown, and that help opens mid-run; these are the figures (the first version asked for >= 4 redraws in ~1 s and
help within 1 s).

    python benchmarks/bench_live_panels.py [seconds]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.paths import asset  # noqa: E402
from core.telemetry.detect import SourceStatus  # noqa: E402
from core.telemetry.sampler import Sampler  # noqa: E402
from tests.fixtures.replay_source import ReplaySource  # noqa: E402
from tui.app import make_app  # noqa: E402
from tui.screens.dialogs import HelpScreen  # noqa: E402
from tui.screens.run import REFRESH_HZ, LiveRun, RunScreen  # noqa: E402

TRACE = asset("traces", "tx2-synthetic.jsonl.gz")
SOURCES = ("tegra-power", "tegra-gpu", "host")


async def measure(seconds: float, workdir: Path) -> None:
    statuses = [SourceStatus(name, True, "replayed") for name in SOURCES]
    app = make_app(
        probe=lambda sysfs_root: list(statuses), workdir=workdir / "runs", results_dir=workdir / "res"
    )
    sampler = Sampler([ReplaySource(TRACE, name, speed=1.0) for name in SOURCES])
    sampler.start()
    costs_s: list[float] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            live = LiveRun("digits-cnn", ["baseline", "q8"], started_at=time.monotonic())
            screen = RunScreen(live, SimpleNamespace(sampler=sampler, idle_power_w=3.1), statuses)
            redraw = screen.refresh_panels

            def timed_redraw() -> None:
                start = time.perf_counter()
                redraw()
                costs_s.append(time.perf_counter() - start)

            screen.refresh_panels = timed_redraw  # type: ignore[method-assign]
            app.push_screen(screen)
            await pilot.pause(0.5)  # mounted and past the first redraw
            before, started = screen.refreshes, time.monotonic()
            await pilot.pause(seconds)
            rate_hz = (screen.refreshes - before) / (time.monotonic() - started)
            pressed = time.perf_counter()
            await pilot.press("question_mark")
            while not isinstance(app.screen, HelpScreen):
                await pilot.pause(0.001)
            key_ms = (time.perf_counter() - pressed) * 1000.0
    finally:
        sampler.stop()
    costs_ms = sorted(c * 1000.0 for c in costs_s)
    print(f"redraws: {rate_hz:.2f}/s (target {REFRESH_HZ:g}/s) over {seconds:g} s; one redraw: mean "
          f"{sum(costs_ms) / len(costs_ms):.1f} ms, worst {costs_ms[-1]:.1f} ms ({len(costs_ms)} redraws)")  # fmt: skip
    print(f"`?` to help screen during live redraws: {key_ms:.0f} ms")


def main(seconds: float = 3.0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(seconds, Path(tmp)))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
