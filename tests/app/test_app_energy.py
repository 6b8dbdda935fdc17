"""The energy figure on the results screen (interval, MLPerf cross-check, calibration, warning) and the power
panel's sensor line (issue 18)."""

from __future__ import annotations

import copy

from textual.widgets import Static

from core.telemetry.calibration import Calibration
from core.telemetry.power_block import PowerContext
from tui.screens.results import ResultsScreen
from tui.widgets.panels import power_subtitle

CAL = Calibration(
    "nvidia-jetson-tx2-1",
    "tegra-power",
    "VDD_IN",
    0.7,
    0.3,
    0.001,
    0.004,
    60,
    1.5,
    "2026-12-04T23:00:00Z",
    "m.csv",
)


def with_energy(result: dict, calibrated: bool) -> dict:
    """result_q8 with the energy fields a run on a board gives (the fixture was measured without a sensor)."""
    result = copy.deepcopy(result)
    for run, j in zip(result["runs"], (0.030, 0.024), strict=True):
        run["energy"] = {
            "j_per_inference": j, "reason": None, "ci95_halfwidth_j": j * 0.012, "ci95_halfwidth_pct": 1.2,
            "n_windows": 8, "interval_reason": None, "mlperf_j_per_inference": j * 0.9, "mlperf_difference_pct": -10.0,
            "raw_j_per_inference": j * 0.7 if calibrated else j, "figure": "calibrated" if calibrated else "raw onboard",
            "warning": None if calibrated else "the energy figure rests on 4 sensor updates in a timing window, fewer than 20",
        }  # fmt: skip
        run["power"] = dict(
            run["power"], idle_w=2.0, idle_ci95_halfwidth_w=0.004, sensor_update_interval_ms=422.4,
            sampling_rate_hz=4.73, sensor_updates_per_window=[4],
            calibration={"applied": True, "label": CAL.label()} if calibrated
            else {"applied": False, "label": "uncalibrated onboard sensor"},
        )  # fmt: skip
    return result


async def test_results_show_energy_interval_cross_check_and_the_warning(build_app, result_q8, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_result(with_energy(result_q8, calibrated=False))
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        notes = " ".join(text_of(app.screen.query_one("#energy-notes", Static)).split())
        assert "baseline: energy 30 mJ ± 1.2% per inference above idle" in notes
        assert "MLPerf-style (mean latency x mean power above idle) 27 mJ, -10.0%" in notes
        assert "idle 2.00 ± 0.004 W" in notes and "sensor refresh 422 ms, sampled at 4.73 Hz" in notes
        assert "uncalibrated onboard sensor" in notes
        assert "q8: the energy figure rests on 4 sensor updates" in notes


async def test_results_say_which_figure_when_calibrated(build_app, result_q8, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_result(with_energy(result_q8, calibrated=True))
        await pilot.pause()
        notes = " ".join(text_of(app.screen.query_one("#energy-notes", Static)).split())
        assert "calibrated against an external meter (2026-12-04): gain 0.7000" in notes
        assert "(raw onboard 21 mJ)" in notes and "uncalibrated" not in notes


def test_power_panel_subtitle_gives_rate_refresh_and_calibration():
    slow = PowerContext(update_interval_ms=422.4, rate_hz=4.735)
    assert power_subtitle("tegra-power", 4.6, slow) == "tegra-power 4.7 Hz · sensor 422 ms · uncalibrated"
    fast = PowerContext(update_interval_ms=8.112, rate_hz=246.5, calibration=CAL)
    assert power_subtitle("tegra-power", 240.0, fast) == "tegra-power 246 Hz · sensor 8.11 ms · calibrated"
    # a replay: the achieved rate only
    assert power_subtitle("tegra-power", 9.7, None) == "tegra-power 9.7 Hz"
