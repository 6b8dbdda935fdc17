"""The INA3221's own update interval from the board tree's configuration files (fixture trees, no hardware)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.telemetry.ina3221_config import interval_from_config_ms, update_interval
from core.telemetry.tegra_power import TegraPowerSource
from tests.fixtures.boards import make_orin_tree, make_tx2_tree

TX2_IIO = "bus/i2c/drivers/ina3221x/0-0041/iio:device1"


def test_config_register_decodes_as_the_datasheet_says():
    # ina3221x's default 0x7727: 3 channels x (1.1 + 1.1 ms) x 64 averages.
    assert interval_from_config_ms(0x7727) == pytest.approx(422.4)
    # 0x7007: 3 channels, 1 average, 140 us conversions -> 0.84 ms.
    assert interval_from_config_ms(0x7007) == pytest.approx(0.84)
    assert interval_from_config_ms(0x7723) is None  # triggered mode: no free-running interval


def test_tx2_iio_monitor_interval_from_its_device_tree_node(tmp_path: Path):
    root = make_tx2_tree(tmp_path)
    ms, how = update_interval(str(root / TX2_IIO))
    assert ms == pytest.approx(422.4) and "0x7727" in how
    source = TegraPowerSource(str(root))
    details = source.probe().details
    assert source.update_interval_ms == pytest.approx(422.4)
    assert details["update_intervals"]["0-0041/iio:device1"]["ms"] == pytest.approx(422.4)


def test_triggered_mode_has_no_interval_and_says_why(tmp_path: Path):
    root = make_tx2_tree(tmp_path)
    (root / TX2_IIO / "running_mode").write_text("0\n")
    ms, how = update_interval(str(root / TX2_IIO))
    assert ms is None and how.startswith("triggered mode")


def test_hwmon_monitor_reads_update_interval_in_ms(tmp_path: Path):
    root = make_orin_tree(tmp_path)
    source = TegraPowerSource(str(root))
    source.probe()
    assert source.update_interval_ms == 1100.0
    assert all(v["from"].endswith("update_interval (ms)") for v in source.update_intervals.values())


def test_no_config_files_means_unknown(tmp_path: Path):
    assert update_interval(str(tmp_path)) == (None, "no update_interval or running_mode file")
