"""Energy you can trust (issue 18), on TX2 board trees whose input rail a sensor model drives (no hardware).

The sensor reads 0.7 x true + 0.3 W with noise; the external meter logs the true power on its own clock. The
calibration must recover the sensor's gain and offset within 1% and bring energy per inference within 1% of the
analytic truth; a slow sensor (the TX2 driver's default 422 ms) is sampled at about 5 Hz and a short run warns.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import pytest

from core.paths import asset
from core.telemetry.calibration import Calibration, board_id, load_calibration, save_calibration
from core.telemetry.calibration_fit import calibrate
from core.telemetry.calibration_workload import record_trace, schedule
from core.telemetry.power_block import PowerContext, _apply_calibration, power_and_energy_blocks
from core.telemetry.rig import TelemetryRig
from tests.fixtures.boards import make_tx2_tree
from tests.fixtures.sensor_model import CONFIG_8MS, SensorModel, input_power_file, set_ina_config

IDLE_W, BUSY_W = 2.0, 5.0


def _windows(t0: float, seconds: float, chunk_s: float, per_chunk: int) -> list[tuple[float, float, int]]:
    """Timing-loop windows as the worker reports them: contiguous progress chunks with their inference counts."""
    n = round(seconds / chunk_s)
    return [(t0 + i * chunk_s, t0 + (i + 1) * chunk_s, per_chunk) for i in range(n)]


def _timed_run(rig: TelemetryRig, model: SensorModel, idle_s: float, busy_s: float, per_chunk: int = 25):
    """Idle measured by the rig, then `busy_s` of 'inference' at BUSY_W: the windows and the analytic J/inference."""
    model.true_w = IDLE_W
    time.sleep(0.1)
    rig.measure_idle(idle_s)
    model.true_w = BUSY_W
    # the sensor has shown the step before timing starts, as after warm-up
    time.sleep(2.5 * model.refresh_s + 0.05)
    t0 = time.monotonic()
    time.sleep(busy_s)
    windows = _windows(t0, busy_s, 0.25, per_chunk)
    truth_j = (BUSY_W - IDLE_W) * busy_s / sum(w[2] for w in windows)
    return windows, truth_j


@pytest.fixture
def fast_board(tmp_path: Path):
    root = make_tx2_tree(tmp_path / "sys")
    set_ina_config(root, CONFIG_8MS)
    return root


def test_calibration_recovers_gain_offset_and_energy_within_one_percent(fast_board: Path, tmp_path: Path):
    cal_dir = tmp_path / "calibration"
    with SensorModel(input_power_file(fast_board), refresh_s=0.008112, meter_every=3) as model:
        rig = TelemetryRig(str(fast_board), only=["tegra-power"], read_rails=False, calibration_dir=cal_dir)
        rig.start()
        try:
            assert rig.update_interval_ms == pytest.approx(8.112)
            assert rig.sampler is not None and rig.sampler.rates_hz["tegra-power"] == pytest.approx(
                246.5, rel=0.01
            )
            onboard = record_trace(rig, schedule(0.6, 0.4), model.set_level)
        finally:
            rig.close()
        meter = model.meter_trace()
        calibration = calibrate(onboard, meter, board_id(str(fast_board)), "meter.csv")
    assert calibration.gain == pytest.approx(0.7, rel=0.01)
    assert calibration.offset_w == pytest.approx(0.3, rel=0.01)
    assert (
        calibration.residual_w < 0.02 and calibration.source == "tegra-power" and calibration.rail == "VDD_IN"
    )
    # meter clock = monotonic + 1234.5 s; the onboard trace is on the wall clock
    expected_lag = 1234.5 - (time.time() - time.monotonic())
    assert calibration.lag_s == pytest.approx(expected_lag, abs=0.03)
    save_calibration(calibration, cal_dir)

    # a later run on this board applies it: energy per inference within 1% of the analytic truth
    with SensorModel(input_power_file(fast_board), refresh_s=0.008112, seed=1) as model:
        rig = TelemetryRig(str(fast_board), only=["tegra-power"], read_rails=False, calibration_dir=cal_dir)
        rig.start()
        try:
            windows, truth_j = _timed_run(rig, model, idle_s=0.8, busy_s=1.5)
            power, energy = power_and_energy_blocks(
                rig.sampler,
                rig.power_source,
                windows,
                rig.idle_power_w,
                rig.power_context(),
                mean_latency_s=0.009,
            )
        finally:
            rig.close()
    assert energy["figure"] == "calibrated" and power["calibration"]["applied"] is True
    assert energy["j_per_inference"] == pytest.approx(truth_j, rel=0.01)
    # the raw figure is kept beside the calibrated one
    assert energy["raw_j_per_inference"] == pytest.approx(0.7 * truth_j, rel=0.02)
    assert power["idle_w"] == pytest.approx(IDLE_W, rel=0.01) and power["raw"]["idle_w"] == pytest.approx(
        1.7, rel=0.01
    )
    assert power["mean_w"] == pytest.approx(BUSY_W, rel=0.01)
    assert 0 < energy["ci95_halfwidth_pct"] < 3.0 and energy["n_windows"] >= 2
    assert power["idle_ci95_halfwidth_w"] is not None and power["idle_ci95_halfwidth_w"] < 0.01
    assert min(power["sensor_updates_per_window"]) >= 20 and energy["warning"] is None
    # MLPerf's cross-check: 9 ms of latency (the rest of each 10 ms window is loop overhead) x 3 W = 0.027 J
    # against the integrated 0.03 J (1.5 s x 3 W / 150 inferences): 10% lower
    assert energy["mlperf_j_per_inference"] == pytest.approx(0.009 * (BUSY_W - IDLE_W), rel=0.02)
    assert energy["mlperf_difference_pct"] == pytest.approx(-10.0, abs=2.0)
    _validate(power, energy)


def _validate(power: dict, energy: dict) -> None:
    """The blocks as the result file's schema describes them (assets/result.schema.json)."""
    run = json.loads(asset("result.schema.json").read_text())["$defs"]["run"]["properties"]
    jsonschema.validate(power, run["power"])
    jsonschema.validate(energy, run["energy"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**energy, "figure": "guessed"}, run["energy"])


def test_slow_sensor_is_sampled_at_about_5_hz_and_a_short_run_warns(tmp_path: Path):
    root = make_tx2_tree(tmp_path / "sys")  # the ina3221x driver's default configuration: 422.4 ms
    with SensorModel(input_power_file(root), refresh_s=0.4224, noise_w=0.02) as model:
        rig = TelemetryRig(
            str(root), only=["tegra-power"], read_rails=False, calibration_dir=tmp_path / "none"
        )
        rig.start()
        try:
            # the rate the rig chose from the sensor's 422.4 ms refresh (a setting, not a measured speed)
            assert rig.sampler is not None and 4.0 <= rig.sampler.rates_hz["tegra-power"] <= 5.5
            assert rig.min_window_s == pytest.approx(20 * 0.4224 * 1.1)  # what the stopping rule stretches to
            windows, _ = _timed_run(rig, model, idle_s=1.0, busy_s=1.5)
            power, energy = power_and_energy_blocks(
                rig.sampler, rig.power_source, windows, rig.idle_power_w, rig.power_context()
            )
            achieved = rig.sampler.achieved_rate_hz("tegra-power")
        finally:
            rig.close()
    # Measured rates only from above: a busy machine may sample less often, but never past the chosen rate (the
    # slow sensor is not polled faster than it refreshes). The rate itself: benchmarks/bench_sampler_rate.py.
    assert achieved is not None and 0 < achieved <= 5.5
    assert power["sensor_update_interval_ms"] == pytest.approx(422.4)
    assert power["sampling_rate_hz"] is not None and power["sampling_rate_hz"] <= 5.5
    assert power["sensor_updates_per_window"][0] < 20
    assert "fewer than 20" in energy["warning"] and "422.4 ms" in energy["warning"]
    assert energy["figure"] == "raw onboard"
    assert power["calibration"] == {"applied": False, "label": "uncalibrated onboard sensor"}
    _validate(power, energy)


def test_a_calibration_for_another_rail_is_not_applied_and_a_broken_file_is_said(tmp_path: Path):
    root = make_tx2_tree(tmp_path / "sys")
    board = board_id(str(root))
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / f"{board}.json").write_text("{not json")
    calibration, note = load_calibration(board, tmp_path / "cal")
    assert calibration is None and note.startswith("uncalibrated onboard sensor (calibration file ")
    assert "run `tocompress calibrate` again" in note
    other_rail = Calibration(
        board, "tegra-power", "VDD_SYS_GPU", 0.7, 0.3, 0.0, 0.0, 9, 0.0, "2026-12-04", "m.csv"
    )
    power = {"mean_w": 5.0, "peak_w": 6.0, "idle_w": 2.0, "idle_ci95_halfwidth_w": None}
    energy = {"j_per_inference": 0.03, "mlperf_j_per_inference": None, "ci95_halfwidth_pct": None}
    _apply_calibration(power, energy, PowerContext(calibration=other_rail), "tegra-power", "VDD_IN")
    assert power["mean_w"] == 5.0 and energy["figure"] == "raw onboard"
    assert (
        power["calibration"]["label"]
        == "uncalibrated onboard sensor (the calibration is for tegra-power VDD_SYS_GPU)"
    )
