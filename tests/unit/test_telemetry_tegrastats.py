"""The tegrastats parser on lines as each board family prints them, and the source that runs the binary.

Fixture lines (tests/fixtures/tegrastats/<family>.txt), one line per format:
tx2.txt: L4T 28 short rail names; the jetson-stats emulator's TX2 line (NVENC/NVDEC between rails, a negative
temperature); L4T 32 VDD_SYS_* names. nano.txt: L4T 32, all cores on, then two cores off.
xavier.txt: AGX on L4T 32 (bare mW), AGX on L4T 35 (date, mW units), Xavier NX on L4T 35.
orin.txt: AGX on L4T 35 (NC rails, -256C zones, per-GPC clocks), AGX on L4T 36 (engines "off", lowercase zones),
Orin NX on L4T 35, Orin Nano on L4T 36 (no EMC, `GR3D_FREQ 0%@[305,0]`).
"""

from __future__ import annotations

import stat
import sys
import time
from pathlib import Path

import pytest

from core.telemetry.tegrastats import TegrastatsSource, parse_tegrastats_line

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tegrastats"
MIB = 1024 * 1024


def line(family: str, index: int) -> str:
    return (FIXTURES / f"{family}.txt").read_text().splitlines()[index]


def all_lines() -> list[tuple[str, int]]:
    return [
        (path.stem, index)
        for path in sorted(FIXTURES.glob("*.txt"))
        for index in range(len(path.read_text().splitlines()))
    ]


EXPECTED = {
    ("tx2", 0): {
        "power_mw": 3107.0,
        "rail_VDD_GPU_power_mw": 152.0,
        "cpu_load_pct": 0.0,
        "gpu_load_pct": 0.0,
    },
    ("tx2", 1): {
        "power_mw": 14025.0,
        "rail_VDD_DDR_power_mw": 2702.0,
        "cpu_load_pct": 40.5,
        "gpu_load_pct": 87.0,
    },
    ("tx2", 2): {
        "power_mw": 2371.0,
        "rail_VDD_SYS_SOC_power_mw": 458.0,
        "cpu_load_pct": 2.25,
        "gpu_freq_hz": 114e6,
    },
    ("nano", 0): {
        "power_mw": 4520.0,
        "rail_POM_5V_CPU_power_mw": 1078.0,
        "cpu_load_pct": 29.25,
        "gpu_freq_hz": 76e6,
    },
    ("nano", 1): {
        "power_mw": 3401.0,
        "rail_POM_5V_GPU_power_mw": 941.0,
        "cpu_load_pct": 10.5,
        "gpu_load_pct": 46.0,
    },
    ("xavier", 0): {
        "power_mw": 2774.0,
        "rail_SYS5V_power_mw": 1532.0,
        "cpu_load_pct": 0.25,
        "gpu_freq_hz": 1377e6,
    },
    ("xavier", 1): {
        "power_mw": 3317.0,
        "rail_SOC_power_mw": 1241.0,
        "cpu_load_pct": 0.375,
        "gpu_load_pct": 0.0,
    },
    ("xavier", 2): {
        "power_mw": 3982.0,
        "rail_VDD_SOC_power_mw": 1109.0,
        "cpu_load_pct": 1.25,
        "gpu_freq_hz": 114e6,
    },
    ("orin", 0): {
        "power_mw": 6507.0,
        "rail_VIN_SYS_5V0_power_mw": 3319.0,
        "cpu_load_pct": 1 / 12,
        "gpu_freq_hz": 305e6,
    },
    ("orin", 1): {
        "power_mw": 22952.0,
        "rail_VDD_GPU_SOC_power_mw": 14213.0,
        "cpu_load_pct": 7.375,
        "gpu_load_pct": 92.0,
    },
    ("orin", 2): {
        "power_mw": 5139.0,
        "rail_VDD_CPU_GPU_CV_power_mw": 558.0,
        "cpu_load_pct": 0.875,
        "gpu_freq_hz": 305e6,
    },
    ("orin", 3): {
        "power_mw": 4960.0,
        "rail_VDD_SOC_power_mw": 1450.0,
        "cpu_load_pct": 0.25,
        "gpu_freq_hz": 305e6,
    },
}


def test_every_fixture_line_has_an_expectation() -> None:
    assert sorted(EXPECTED) == sorted(all_lines())


@pytest.mark.parametrize(("family", "index"), sorted(EXPECTED))
def test_fixture_line_readings(family: str, index: int) -> None:
    reading = parse_tegrastats_line(line(family, index))
    for key, value in EXPECTED[(family, index)].items():
        assert reading[key] == pytest.approx(value), key


@pytest.mark.parametrize(
    ("family", "index", "rail"),
    [
        ("tx2", 0, "VDD_IN"),
        ("tx2", 2, "VDD_IN"),
        ("nano", 0, "POM_5V_IN"),
        ("xavier", 2, "VDD_IN"),
        ("orin", 3, "VDD_IN"),
    ],
)
def test_power_is_the_input_rail_when_the_board_has_one(family: str, index: int, rail: str) -> None:
    reading = parse_tegrastats_line(line(family, index))
    assert reading["power_mw"] == reading[f"rail_{rail}_power_mw"]


@pytest.mark.parametrize(("family", "index"), [("xavier", 0), ("xavier", 1), ("orin", 0), ("orin", 1)])
def test_power_is_the_sum_of_rails_without_an_input_rail(family: str, index: int) -> None:
    reading = parse_tegrastats_line(line(family, index))
    rails = [value for key, value in reading.items() if key.startswith("rail_")]
    assert reading["power_mw"] == sum(rails) and len(rails) in (4, 6)


def test_rails_report_the_current_value_not_the_running_average() -> None:
    assert parse_tegrastats_line(line("tx2", 1))["rail_VDD_IN_power_mw"] == 14025.0  # 14025/14416
    assert parse_tegrastats_line(line("nano", 0))["rail_POM_5V_IN_power_mw"] == 4520.0  # 4520/4680
    assert parse_tegrastats_line(line("orin", 1))["rail_VIN_SYS_5V0_power_mw"] == 5543.0  # 5543mW/4431mW


def test_nc_channels_are_not_rails() -> None:
    reading = parse_tegrastats_line(line("orin", 0))
    assert sorted(key for key in reading if key.startswith("rail_")) == [
        "rail_VDDQ_VDD2_1V8AO_power_mw",
        "rail_VDD_CPU_CV_power_mw",
        "rail_VDD_GPU_SOC_power_mw",
        "rail_VIN_SYS_5V0_power_mw",
    ]


def test_a_rail_reading_zero_stays_zero_not_none() -> None:
    assert parse_tegrastats_line(line("nano", 0))["rail_POM_5V_GPU_power_mw"] == 0.0


@pytest.mark.parametrize(("family", "index"), all_lines())
def test_memory_counters_are_bytes_and_never_rails(family: str, index: int) -> None:
    text = line(family, index)
    used_mb, total_mb = text.split("RAM ", 1)[1].split("MB", 1)[0].split("/")
    reading = parse_tegrastats_line(text)
    assert reading["ram_used_bytes"] == int(used_mb) * MIB
    assert reading["ram_total_bytes"] == int(total_mb) * MIB
    assert not [key for key in reading if key.startswith(("rail_RAM", "rail_SWAP", "rail_IRAM"))]


def test_cpu_load_is_the_mean_over_online_cores_only() -> None:
    assert parse_tegrastats_line(line("nano", 1))["cpu_load_pct"] == 10.5  # [12%,9%,off,off]
    assert parse_tegrastats_line("CPU [20%,off,40%]@1036")["cpu_load_pct"] == 30.0  # the older TX1 form
    assert parse_tegrastats_line("CPU [off,off]")["cpu_load_pct"] is None


def test_gpu_per_gpc_clocks_give_the_fastest_gpc_and_thor_form_has_no_load() -> None:
    orin_nano = parse_tegrastats_line(line("orin", 3))  # GR3D_FREQ 0%@[305,0]
    assert orin_nano["gpu_load_pct"] == 0.0 and orin_nano["gpu_freq_hz"] == 305e6
    thor = parse_tegrastats_line("GR3D_FREQ @[1000,1000,1000]")
    assert thor["gpu_load_pct"] is None and thor["gpu_freq_hz"] == 1000e6


def test_temperatures_negative_offline_and_lowercase() -> None:
    tx2 = parse_tegrastats_line(line("tx2", 1))
    assert tx2["temp_BCPU_c"] == -45.0 and tx2["temp_Tdiode_c"] == 46.75
    orin = parse_tegrastats_line(line("orin", 0))
    assert orin["temp_GPU_c"] is None and orin["temp_tj_c"] == 45.5  # -256C: zone powered down
    assert parse_tegrastats_line(line("orin", 1))["temp_gpu_c"] == 55.281


def test_a_line_without_fields_gives_every_base_name_as_none() -> None:
    assert parse_tegrastats_line("") == dict.fromkeys(
        ("power_mw", "gpu_load_pct", "gpu_freq_hz", "ram_used_bytes", "ram_total_bytes", "cpu_load_pct")
    )


# --- the source: runs the binary, keeps the latest line ---------------------------------------------------------


def fake_tegrastats(tmp_path: Path, family: str) -> Path:
    """A stand-in for the binary: prints the family's captured lines every --interval ms, as tegrastats does."""
    script = tmp_path / "tegrastats"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, time\n"
        "args = sys.argv[1:]\n"
        "if args[:1] != ['--interval']:\n"
        "    print('unknown option', args, flush=True); sys.exit(2)\n"
        f"lines = open({str(FIXTURES / (family + '.txt'))!r}).read().splitlines()\n"
        "while True:\n"
        "    for text in lines:\n"
        "        print(text, flush=True)\n"
        "        time.sleep(int(args[1]) / 1000)\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_probe_says_not_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    source = TegrastatsSource()
    assert source.probe().reason == "tegrastats not found on PATH" and not source.probe().available
    assert source.read()["power_mw"] is None


def test_source_keeps_the_latest_line_and_close_stops_the_binary(tmp_path: Path) -> None:
    source = TegrastatsSource(str(fake_tegrastats(tmp_path, "xavier")), interval_ms=20)
    assert source.default_rate_hz == 50.0
    probe = source.probe()
    assert probe.available, probe.reason
    assert probe.details["interval_ms"] == 20
    seen = set()
    deadline = time.monotonic() + 5.0
    while len(seen) < 3 and time.monotonic() < deadline:  # the three Xavier lines, in turn
        seen.add(source.read()["power_mw"])
        time.sleep(0.005)
    assert seen >= {2774.0, 3317.0, 3982.0}
    proc = source._proc
    source.close()
    assert proc is not None and proc.poll() is not None


def test_binary_that_exits_is_reported_with_its_last_words(tmp_path: Path) -> None:
    script = tmp_path / "tegrastats"
    script.write_text(
        f"#!{sys.executable}\nprint('Error: must be run as root', flush=True)\nraise SystemExit(1)\n"
    )
    script.chmod(0o755)
    source = TegrastatsSource(str(script))
    probe = source.probe()
    assert not probe.available
    assert probe.reason == f"{script} exited with status 1: Error: must be run as root"
    source.close()
