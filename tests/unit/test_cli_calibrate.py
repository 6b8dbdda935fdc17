"""`tocompress calibrate`: meter CSVs in the documented forms, the fit stored per board, one line per mistake."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from core.telemetry.calibration import board_id, load_calibration
from core.telemetry.calibration_workload import LEVELS
from core.telemetry.power_trace import PowerTrace, read_trace, write_trace
from tests.fixtures.boards import make_tx2_tree
from tui.cli.main import main

T0_WALL = 1_796_000_000.0  # onboard trace on the wall clock; the meter's PC clock runs 2.35 s ahead


def true_power(t_rel: np.ndarray, idle_s: float = 4.0, step_s: float = 2.0) -> np.ndarray:
    level = np.zeros_like(t_rel)
    for i, value in enumerate(LEVELS):
        level[(t_rel >= idle_s + i * step_s) & (t_rel < idle_s + (i + 1) * step_s)] = value
    return 2.0 + 1.5 * level


def write_traces(tmp_path: Path, board: str) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    t_sensor = np.arange(0.0, 24.0, 0.008)  # the sensor refreshes every 8 ms: sample-and-hold readings
    reading = 0.7 * true_power(t_sensor) + 0.3 + rng.normal(0, 0.005, len(t_sensor))
    t_on = np.arange(0.0, 24.0, 0.004)  # sampled at twice the refresh
    onboard = reading[np.minimum((t_on / 0.008).astype(int), len(reading) - 1)]
    facts = {"source": "tegra-power", "rail": "VDD_IN", "board": board, "update_interval_ms": "8.112"}
    onboard_path = write_trace(tmp_path / "onboard.csv", PowerTrace(T0_WALL + t_on, onboard, facts))
    t_meter = np.arange(-1.0, 25.0, 0.05)  # a USB meter at 20 Hz, started before and stopped after
    watts = true_power(t_meter) + rng.normal(0, 0.002, len(t_meter))
    lines = ["Timestamp,Voltage (V),Current (A),Energy (Wh)"]
    for t, w in zip(t_meter, watts, strict=True):
        stamp = datetime.fromtimestamp(T0_WALL + 2.35 + t, timezone.utc).isoformat()
        lines.append(f"{stamp},5.000,{w / 5.0:.6f},0")
    meter_path = tmp_path / "meter.csv"
    meter_path.write_text("\n".join(lines) + "\n")
    return onboard_path, meter_path


def test_calibrate_fits_a_usb_meter_export_and_stores_it_per_board(tmp_path, capsys):
    root = make_tx2_tree(tmp_path / "sys")
    board = board_id(str(root))
    onboard, meter = write_traces(tmp_path, board)
    cal_dir = tmp_path / "cal"
    argv = ["calibrate", "--meter", str(meter), "--trace", str(onboard), "--calibration-dir", str(cal_dir)]
    assert main([*argv, "--sysfs-root", str(root)]) == 0
    out = capsys.readouterr().out
    gain = float(out.split(f"{board}: onboard = ")[1].split()[0])
    assert gain == pytest.approx(0.7, rel=0.005) and "clocks +2.3" in out and "saved " in out
    stored = json.loads((cal_dir / f"{board}.json").read_text())
    assert stored["version"] == 1 and stored["source"] == "tegra-power" and stored["rail"] == "VDD_IN"
    calibration, note = load_calibration(board, cal_dir)
    assert calibration is not None and note == str(cal_dir / f"{board}.json")
    assert calibration.gain == pytest.approx(0.7, rel=0.005) and calibration.offset_w == pytest.approx(
        0.3, rel=0.01
    )
    assert calibration.lag_s == pytest.approx(2.35, abs=0.02)
    assert not list(cal_dir.glob(".*.tmp"))  # written atomically, no temp file left


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "give --workload (run the load steps) and/or --meter FILE"),
        (["--meter", "missing.csv"], "meter trace missing.csv not found"),
        (
            ["--meter", "{bad}", "--trace", "{onboard}"],
            "lack a time column (time_s, timestamp) and a power column",
        ),
        (["--meter", "{meter}", "--trace", "{tmp}/none.csv"], "run `tocompress calibrate --workload` first"),
        (["--meter", "{meter}", "--trace", "{other}"], "was recorded on another-board"),
    ],
)
def test_calibrate_mistakes_are_one_line(tmp_path, capsys, argv, message):
    root = make_tx2_tree(tmp_path / "sys")
    onboard, meter = write_traces(tmp_path, board_id(str(root)))
    bad = tmp_path / "bad.csv"
    bad.write_text("when,watts?\n1,2\n2,3\n3,4\n")
    other = tmp_path / "other.csv"
    trace = read_trace(onboard)
    write_trace(other, PowerTrace(trace.t_s, trace.power_w, {**trace.facts, "board": "another-board"}))
    paths = {
        "bad": str(bad),
        "onboard": str(onboard),
        "meter": str(meter),
        "tmp": str(tmp_path),
        "other": str(other),
    }
    argv = [a.format(**paths) for a in argv]
    assert (
        main(["calibrate", *argv, "--calibration-dir", str(tmp_path / "cal"), "--sysfs-root", str(root)]) == 2
    )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("tocompress: error: ") and message in err


def test_workload_records_an_onboard_trace_with_its_facts(tmp_path, capsys):
    root = make_tx2_tree(tmp_path / "sys")
    trace = tmp_path / "onboard.csv"
    argv = [
        "calibrate",
        "--workload",
        "--idle-seconds",
        "0.3",
        "--step-seconds",
        "0.1",
        "--trace",
        str(trace),
    ]
    assert main([*argv, "--sysfs-root", str(root), "--sources", "tegra-power"]) == 0
    out = capsys.readouterr().out
    assert "tegra-power (refresh 422.4 ms)" in out and "10 CPU load steps of 0.1 s" in out
    recorded = read_trace(trace)
    assert recorded.facts["source"] == "tegra-power" and recorded.facts["rail"] == "VDD_IN"
    assert float(recorded.facts["update_interval_ms"]) == pytest.approx(422.4)
    assert len(recorded.t_s) >= 3 and np.all(recorded.power_w == pytest.approx(19104 * 148 // 1000 / 1000))
