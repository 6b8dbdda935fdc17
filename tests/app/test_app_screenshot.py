"""Screenshots: F2 on any screen saves it as SVG named after model, setting and screen; `--screenshot-at` takes one
from a recording with nobody at the keyboard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.paths import asset
from tui.cli.main import main
from tui.screens.results import ResultsScreen


async def test_f2_saves_setup_and_results_screens_as_named_svgs(build_app, result_q8, tmp_path: Path) -> None:
    app = build_app(screenshot_dir=tmp_path / "shots", model="digits-cnn", compression="q6")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f2")
        await pilot.pause(0.1)
        app.show_result(result_q8)
        await pilot.pause(0.1)
        assert isinstance(app.screen, ResultsScreen)
        await pilot.press("f2")
        await pilot.pause(0.1)
        shown = [n.message for n in app._notifications]
    files = sorted(p.name for p in (tmp_path / "shots").iterdir())
    assert [f.rsplit("-", 2)[0] for f in files] == ["digits-cnn-q6-results", "digits-cnn-q6-setup"]
    for name in files:
        text = (tmp_path / "shots" / name).read_text()
        assert text.startswith("<svg") and "tocompress" in text
        assert any(m == f"saved {tmp_path / 'shots' / name}" for m in shown)  # the path is shown


def test_screenshot_at_writes_one_from_the_shipped_recording(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    trace = asset("traces", "tx2-digits-cnn-q8.jsonl.gz")
    code = main(
        ["--replay", str(trace), "--speed", "20", "--screenshot-at", "20s", "--workdir", str(tmp_path)]
    )
    assert code == 0
    written = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert written.parent == Path("screenshots") and written.name.startswith("digits-cnn-q8-run-")
    svg = written.read_text()
    assert "digits-cnn" in svg and "baseline" in svg and "Power" in svg  # the live run screen, mid-replay
    assert os.path.getsize(written) > 10_000


def test_screenshot_at_refuses_a_time_it_cannot_read(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--screenshot-at", "soon"])
    assert "'soon' is not a time; write 20s, 20 or 1.5m" in capsys.readouterr().err
