"""`tocompress sensors`: every source with an honest reason here, and rails plus GPU load on a TX2 tree.

The TX2 case uses a sysfs tree laid out exactly as on the board, built under a temp dir (tests/fixtures/boards.py);
jtop, tegrastats and NVML are absent by injection (tests/fixtures/sensors.py), so a Jetson running jtop or a machine
with an NVIDIA GPU sees the same output.
"""

from tests.fixtures.boards import make_tx2_tree
from tests.fixtures.sensors import use_host_free_sensors
from tui.cli.main import main

SOURCES = ("jtop", "tegra-power", "tegra-gpu", "tegrastats", "nvml", "rapl", "host")


def _sensors(capsys, *argv):
    code = main(["sensors", "--seconds", "0.05", *argv])
    return code, capsys.readouterr().out


def test_a_bare_machine_lists_every_source_with_a_reason(capsys, tmp_path, monkeypatch):
    use_host_free_sensors(monkeypatch)
    code, out = _sensors(capsys, "--sysfs-root", str(tmp_path))  # an empty root: no board here
    assert code == 0
    for name in SOURCES:
        assert name in out
    assert "jtop.service is not active" in out
    assert "no ina3221" in out
    assert "no power source here" in out
    assert "used: memory" in out  # host readings are always there
    assert "ram_total_bytes=" in out


def test_tx2_tree_shows_rails_total_and_gpu_load(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line, so phrases are not split by wrapping
    use_host_free_sensors(monkeypatch)
    make_tx2_tree(tmp_path)
    code, out = _sensors(capsys, "--sysfs-root", str(tmp_path))
    assert code == 0
    flat = " ".join(out.split())
    assert "input rail VDD_IN" in flat
    for rail in ("VDD_IN", "VDD_SYS_GPU", "VDD_SYS_CPU", "VDD_SYS_DDR"):
        assert rail in flat
    assert "gpu_load_pct=" in flat
    assert "used: power" in flat and "used: gpu" in flat
    assert "no power source here" not in flat


def test_unknown_sensor_override_is_one_line(capsys):
    code = main(["run", "--sources", "bogus", "--idle-seconds", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "unknown sensor 'bogus'" in err
