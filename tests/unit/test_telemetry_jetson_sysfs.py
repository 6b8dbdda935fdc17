"""Jetson INA3221 power and GPU load read from sysfs trees laid out as on each board (tests/fixtures/boards.py).

The trees are files and symlinks under tmp_path with the boards' names, drivers and units; the values are the
fixture's own, so every expected number below follows from what the fixture wrote.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from core.telemetry.jetson_rails import is_unconnected, rail_key
from core.telemetry.tegra_gpu import TegraGpuSource
from core.telemetry.tegra_power import TegraPowerSource
from tests.fixtures.boards import make_nano_tree, make_orin_tree, make_tx2_tree, make_xavier_tree


@pytest.fixture
def sysfs_pread(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make reads behave as sysfs does when a device goes away: a removed file's open descriptor fails with ENODEV.

    A regular file stays readable through an open descriptor after it is removed, a sysfs attribute does not; the
    kernel names such a descriptor "... (deleted)" in /proc/self/fd. Returns a list: put an errno in it to make
    the next read fail once with that error.
    """
    real_pread = os.pread
    fail_next: list[int] = []

    def pread(fd: int, n: int, offset: int) -> bytes:
        if fail_next:
            code = fail_next.pop()
            raise OSError(code, os.strerror(code))
        if os.readlink(f"/proc/self/fd/{fd}").endswith(" (deleted)"):
            raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))
        return real_pread(fd, n, offset)

    monkeypatch.setattr(os, "pread", pread)
    return fail_next


def iio(root: Path, device: str) -> Path:
    """The iio directory of a JetPack 4 monitor, reached through the driver's symlink as a reader would."""
    (found,) = (root / "bus/i2c/drivers/ina3221x" / device).glob("iio:device*")
    return found


# --- discovery and which rail is the total --------------------------------------------------------------------


def test_tx2_finds_module_and_carrier_monitors_and_takes_vdd_in_as_total(tmp_path: Path) -> None:
    source = TegraPowerSource(str(make_tx2_tree(tmp_path)))
    probe = source.probe()
    assert probe.available, probe.reason
    assert source.total_rail == "VDD_IN"
    assert probe.details["total_rail"] == "VDD_IN"
    devices = probe.details["devices"]
    assert sorted(devices) == [
        "ina3221x 0-0040 (iio:device0)",
        "ina3221x 0-0041 (iio:device1)",
        "ina3221x 0-0042 (iio:device2)",
        "ina3221x 0-0043 (iio:device3)",
    ]
    assert list(devices["ina3221x 0-0041 (iio:device1)"]) == ["VDD_IN", "VDD_SYS_CPU", "VDD_SYS_DDR"]
    assert list(devices["ina3221x 0-0040 (iio:device0)"]) == ["VDD_SYS_GPU", "VDD_SYS_SOC", "VDD_4V0_WIFI"]
    assert devices["ina3221x 0-0041 (iio:device1)"]["VDD_IN"]["power_mw"].endswith("in_power0_input")
    reading = source.read()
    assert reading["power_mw"] == 2827.0  # VDD_IN: 19104 mV x 148 mA, not the carrier's VDD_MUX (3905 mW)
    assert reading["rail_VDD_MUX_power_mw"] == 3905.0
    assert len([key for key in reading if key.startswith("rail_")]) == 12
    source.close()


def test_jetpack4_power_is_the_drivers_in_power_file_in_mw(tmp_path: Path) -> None:
    root = make_tx2_tree(tmp_path)
    (iio(root, "0-0041") / "in_power0_input").write_text("2900\n")  # the driver's own mW, not mV x mA
    source = TegraPowerSource(str(root))
    assert source.read()["rail_VDD_IN_power_mw"] == 2900.0
    source.close()


def test_nano_total_is_pom_5v_in(tmp_path: Path) -> None:
    source = TegraPowerSource(str(make_nano_tree(tmp_path)))
    probe = source.probe()
    assert probe.available and source.total_rail == "POM_5V_IN"
    assert list(probe.details["devices"]) == ["ina3221x 6-0040 (iio:device0)"]
    reading = source.read()
    assert reading["power_mw"] == 5072 * 410 // 1000
    assert reading["rail_POM_5V_GPU_power_mw"] == 60.0
    source.close()


def test_hwmon_power_is_mv_times_ma_over_1000(tmp_path: Path) -> None:
    source = TegraPowerSource(str(make_xavier_tree(tmp_path, module="nx")))
    assert source.probe().details["total_rail"] == "VDD_IN"
    reading = source.read()
    assert reading["rail_VDD_IN_power_mw"] == pytest.approx(5016 * 790 / 1000)
    assert reading["power_mw"] == pytest.approx(3962.64)
    source.close()


def test_xavier_agx_without_input_rail_sums_all_rails_and_says_so(tmp_path: Path) -> None:
    source = TegraPowerSource(str(make_xavier_tree(tmp_path)))
    probe = source.probe()
    assert source.total_rail is None and probe.details["total_rail"] is None
    assert "sum of 6 rails" in probe.details["total"] and "no single input rail" in probe.reason
    reading = source.read()
    expected_mw = (19080 * (10 + 40 + 65 + 5 + 8) + 5008 * 320) / 1000
    assert reading["power_mw"] == pytest.approx(expected_mw)
    assert [key for key in reading if key.endswith("_power_mw") and key != "power_mw"] == [
        f"rail_{name}_power_mw" for name in ("GPU", "CPU", "SOC", "CV", "VDDRQ", "SYS5V")
    ]
    source.close()


@pytest.mark.parametrize("jetpack", [5, 6])
def test_orin_agx_skips_nc_channels_sum_of_shunts_and_shunt_voltages(tmp_path: Path, jetpack: int) -> None:
    source = TegraPowerSource(str(make_orin_tree(tmp_path, module="agx", jetpack=jetpack)))
    probe = source.probe()
    rails = [rail for device in probe.details["devices"].values() for rail in device]
    assert rails == ["VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0", "VDDQ_VDD2_1V8AO"]
    assert source.total_rail is None
    reading = source.read()
    assert reading["power_mw"] == pytest.approx((19056 * (125 + 21) + 5032 * (660 + 80)) / 1000)
    source.close()


@pytest.mark.parametrize("jetpack", [5, 6])
def test_orin_nx_total_is_vdd_in(tmp_path: Path, jetpack: int) -> None:
    source = TegraPowerSource(str(make_orin_tree(tmp_path, module="nx", jetpack=jetpack)))
    assert list(source.probe().details["devices"]) == [f"ina3221 1-0040 (hwmon{1})"]
    assert source.total_rail == "VDD_IN"
    assert source.read()["power_mw"] == pytest.approx(5024 * 988 / 1000)
    source.close()


def test_two_monitors_with_one_label_stay_two_rails(tmp_path: Path) -> None:
    root = make_xavier_tree(tmp_path, module="nx")
    device = (root / "bus/i2c/drivers/ina3221/7-0040").resolve()
    shutil.copytree(device, device.parent / "7-0041", symlinks=True)
    (root / "bus/i2c/drivers/ina3221/7-0041").symlink_to(device.parent / "7-0041")
    source = TegraPowerSource(str(root))
    reading = source.read()
    assert reading["rail_VDD_IN_power_mw"] == pytest.approx(3962.64)
    assert reading["rail_VDD_IN_7_0041_power_mw"] == pytest.approx(3962.64)
    assert source.total_rail == "VDD_IN"
    source.close()


def test_labels_marked_nc_or_sum_are_not_rails_but_names_containing_nc_letters_are() -> None:
    assert is_unconnected("NC") and is_unconnected("sum of shunts") and is_unconnected("VDD_NC")
    assert not is_unconnected("VDD_SYNC") and not is_unconnected("VIN_SYS_5V0")
    assert rail_key("VDD 3V3/SYS ") == "VDD_3V3_SYS"


def test_no_monitor_says_where_it_looked_and_reads_none(tmp_path: Path) -> None:
    source = TegraPowerSource(str(tmp_path))
    probe = source.probe()
    assert not probe.available
    assert probe.reason.startswith(f"no ina3221 under {tmp_path}/bus/i2c/drivers")
    assert source.read() == {"power_mw": None}


# --- what read() returns ----------------------------------------------------------------------------------------


def test_voltage_and_current_only_when_asked(tmp_path: Path) -> None:
    root = str(make_tx2_tree(tmp_path))
    plain = TegraPowerSource(root)
    assert not [key for key in plain.read() if key.endswith(("_voltage_mv", "_current_ma"))]
    detailed = TegraPowerSource(root, with_voltage_current=True)
    reading = detailed.read()
    assert reading["rail_VDD_IN_voltage_mv"] == 19104.0
    assert reading["rail_VDD_IN_current_ma"] == 148.0
    plain.close()
    detailed.close()


def test_total_only_reads_just_the_input_rail(tmp_path: Path) -> None:
    source = TegraPowerSource(str(make_tx2_tree(tmp_path)), total_only=True)
    assert source.read() == {"rail_VDD_IN_power_mw": 2827.0, "power_mw": 2827.0}
    source.close()


def test_each_read_sees_the_value_the_driver_wrote_since(tmp_path: Path) -> None:
    root = make_orin_tree(tmp_path, module="nx")
    source = TegraPowerSource(str(root))
    first = source.read()["power_mw"]
    hwmon = next((root / "bus/i2c/drivers/ina3221/1-0040/hwmon").glob("hwmon*"))
    (hwmon / "curr1_input").write_text("1500\n")
    assert first == pytest.approx(5024 * 988 / 1000)
    assert source.read()["power_mw"] == pytest.approx(5024 * 1500 / 1000)
    source.close()


def test_reads_after_discovery_only_pread_open_descriptors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 1 kHz budget rests on this: no open, glob or listdir per read (its cost: benchmarks/bench_sysfs_power.py).
    source = TegraPowerSource(str(make_tx2_tree(tmp_path)))
    first = source.read()

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a read after discovery touched the file system beyond pread")

    for name in ("open", "listdir", "scandir", "stat"):
        monkeypatch.setattr(os, name, forbidden)
    monkeypatch.setattr("builtins.open", forbidden)
    assert source.read() == first
    monkeypatch.undo()
    source.close()


def test_close_releases_every_descriptor(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd"))
    source = TegraPowerSource(str(make_tx2_tree(tmp_path)), with_voltage_current=True)
    source.read()
    assert len(os.listdir("/proc/self/fd")) == before + 36  # 12 rails x (power, voltage, current)
    source.close()
    assert len(os.listdir("/proc/self/fd")) == before


# --- sensors that go away mid-run -------------------------------------------------------------------------------


def test_vanished_monitor_reads_none_and_probe_says_so(tmp_path: Path, sysfs_pread: list[int]) -> None:
    root = make_tx2_tree(tmp_path)
    source = TegraPowerSource(str(root))
    assert source.read()["rail_VDD_SYS_GPU_power_mw"] == 152.0
    shutil.rmtree(iio(root, "0-0040"))  # the GPU/SOC/WIFI monitor unbinds
    reading = source.read()
    assert reading["rail_VDD_SYS_GPU_power_mw"] is None
    assert reading["rail_VDD_4V0_WIFI_power_mw"] is None
    assert reading["power_mw"] == 2827.0  # VDD_IN is on the other monitor
    probe = source.probe()
    assert probe.available
    assert sorted(probe.details["vanished"]) == ["VDD_4V0_WIFI", "VDD_SYS_GPU", "VDD_SYS_SOC"]
    assert "vanished: VDD_SYS_GPU" in probe.reason
    source.close()


def test_vanished_input_rail_makes_power_none_and_probe_unavailable(
    tmp_path: Path, sysfs_pread: list[int]
) -> None:
    root = make_tx2_tree(tmp_path)
    source = TegraPowerSource(str(root))
    source.read()
    (iio(root, "0-0041") / "in_power0_input").unlink()
    assert source.read()["power_mw"] is None
    probe = source.probe()
    assert not probe.available
    assert probe.reason.startswith("rail VDD_IN vanished mid-run")
    source.close()


def test_summed_total_is_none_when_any_rail_vanishes_not_a_partial_sum(
    tmp_path: Path, sysfs_pread: list[int]
) -> None:
    root = make_xavier_tree(tmp_path)
    source = TegraPowerSource(str(root))
    source.read()
    hwmon = next((root / "bus/i2c/drivers/ina3221/1-0041/hwmon").glob("hwmon*"))
    (hwmon / "curr3_input").unlink()  # SYS5V
    reading = source.read()
    assert reading["rail_SYS5V_power_mw"] is None and reading["rail_GPU_power_mw"] == pytest.approx(190.8)
    assert reading["power_mw"] is None
    assert not source.probe().available
    source.close()


def test_removed_file_found_by_probe_before_any_failed_read(tmp_path: Path) -> None:
    root = make_nano_tree(tmp_path)
    source = TegraPowerSource(str(root))
    source.read()
    (iio(root, "6-0040") / "in_power1_input").unlink()
    assert source.probe().details["vanished"] == {
        "POM_5V_GPU": f"{iio(root, '6-0040')}/in_power1_input no longer exists"
    }
    assert source.read()["rail_POM_5V_GPU_power_mw"] is None
    source.close()


def test_transient_io_error_costs_one_sample_only(tmp_path: Path, sysfs_pread: list[int]) -> None:
    source = TegraPowerSource(str(make_nano_tree(tmp_path)), total_only=True)
    source.read()
    sysfs_pread.append(errno.EIO)  # an I2C transfer that failed once
    assert source.read()["power_mw"] is None
    assert source.read()["power_mw"] == 2079.0
    assert source.probe().details["vanished"] == {}
    source.close()


# --- GPU load ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "kwargs", "load_file", "load_pct", "freq_hz"),
    [
        (make_tx2_tree, {}, "devices/gpu.0/load", 73.4, 1300500000.0),
        (make_nano_tree, {}, "devices/gpu.0/load", 12.5, 76800000.0),
        (make_xavier_tree, {}, "devices/platform/gpu.0/load", 5.0, 318750000.0),
        (make_orin_tree, {"jetpack": 5}, "devices/platform/gpu.0/load", 99.9, 1300500000.0),
        (make_orin_tree, {"jetpack": 6}, "devices/platform/gpu.0/load", 99.9, 1300500000.0),
    ],
)
def test_gpu_load_per_mille_becomes_percent(tmp_path, make, kwargs, load_file, load_pct, freq_hz) -> None:
    source = TegraGpuSource(str(make(tmp_path, **kwargs)))
    probe = source.probe()
    assert probe.available and probe.details["load_file"] == f"{tmp_path}/{load_file}"
    assert source.read() == {"gpu_load_pct": load_pct, "gpu_freq_hz": freq_hz}
    source.close()


def test_gpu_load_found_through_devfreq_when_gpu0_link_is_missing(tmp_path: Path) -> None:
    root = make_orin_tree(tmp_path, jetpack=6)
    (root / "devices/platform/gpu.0").unlink()
    (root / "devices/platform/bus@0/gpu.0").unlink()
    source = TegraGpuSource(str(root))
    assert source.probe().details["load_file"] == f"{root}/class/devfreq/17000000.gpu/device/load"
    assert source.read()["gpu_load_pct"] == 99.9
    source.close()


def test_no_gpu_says_where_it_looked(tmp_path: Path) -> None:
    source = TegraGpuSource(str(tmp_path))
    probe = source.probe()
    assert not probe.available
    assert probe.reason == (
        f"no GPU load file under {tmp_path}/devices/gpu.0 or {tmp_path}/devices/platform/gpu.0, "
        f"no gp10b/gv11b/ga10b/gpu devfreq under {tmp_path}/class/devfreq"
    )
    assert source.read() == {"gpu_load_pct": None, "gpu_freq_hz": None}


def test_vanished_gpu_load_reads_none_and_probe_says_so(tmp_path: Path, sysfs_pread: list[int]) -> None:
    root = make_tx2_tree(tmp_path)
    source = TegraGpuSource(str(root))
    assert source.read()["gpu_load_pct"] == 73.4
    (root / "devices/17000000.gp10b/load").unlink()
    assert source.read() == {"gpu_load_pct": None, "gpu_freq_hz": 1300500000.0}
    probe = source.probe()
    assert not probe.available and "vanished" in probe.reason
    source.close()


def test_gpu_load_file_removed_is_found_by_probe_and_then_reads_none(tmp_path: Path) -> None:
    root = make_xavier_tree(tmp_path)
    source = TegraGpuSource(str(root))
    source.read()
    (root / "devices/platform/17000000.gv11b/load").unlink()
    probe = source.probe()
    assert probe.reason == f"GPU load vanished mid-run ({root}/devices/platform/gpu.0/load no longer exists)"
    assert source.read()["gpu_load_pct"] is None
    source.close()


def test_set_total_only_switches_to_one_read_per_sample_and_back(tmp_path: Path) -> None:
    """A run nobody watches reads board power only; the same source object, rediscovered."""
    source = TegraPowerSource(str(make_tx2_tree(tmp_path)))
    assert len(source.read()) == 13  # 12 rails + power_mw
    source.set_total_only(True)
    reading = source.read()
    assert reading == {"rail_VDD_IN_power_mw": 2827.0, "power_mw": 2827.0}
    source.set_total_only(False)
    assert len(source.read()) == 13
