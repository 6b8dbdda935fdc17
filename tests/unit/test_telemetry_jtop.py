"""jtop readings mapped to our names, from recorded `jetson.power`/`gpu`/`memory` shapes; no service needed.

The shapes are those jetson-stats 4.2-7.x documents and returns: an Orin NX on JetPack 5 (an input rail, which jtop
moves from `rail` into `tot` with its name) and a Xavier AGX (no input rail, `tot` is jtop's sum without a name).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.telemetry.jtop_source import JtopSource, map_jtop_stats
from core.telemetry.rate import matched_rate_hz

ORIN_NX_POWER = {
    "rail": {
        "VDD_CPU_GPU_CV": {
            "online": True,
            "type": "INA3221",
            "volt": 5024,
            "curr": 96,
            "warn": 32760,
            "crit": 32760,
            "power": 482,
            "avg": 480,
        },
        "VDD_SOC": {
            "online": True,
            "type": "INA3221",
            "volt": 5024,
            "curr": 289,
            "warn": 32760,
            "crit": 32760,
            "power": 1451,
            "avg": 1440,
        },
    },
    "tot": {
        "online": True,
        "type": "INA3221",
        "volt": 5024,
        "curr": 988,
        "warn": 32760,
        "crit": 32760,
        "power": 4963,
        "avg": 4950,
        "name": "VDD_IN",
    },
}
XAVIER_AGX_POWER = {
    "rail": {
        "GPU": {"online": True, "type": "INA3221", "volt": 19080, "curr": 10, "power": 190, "avg": 190},
        "CPU": {"online": True, "type": "INA3221", "volt": 19080, "curr": 40, "power": 763, "avg": 760},
        "SYS5V": {"online": False, "type": "INA3221", "volt": 0, "curr": 0, "power": 0, "avg": 0},
    },
    "tot": {"power": 953, "avg": 950},
}
ORIN_GPU = {
    "ga10b": {
        "type": "integrated",
        "status": {"railgate": False, "tpc_pg_mask": False, "3d_scaling": True, "load": 37.5},
        "freq": {"governor": "nvhost_podgov", "cur": 918000, "max": 918000, "min": 306000, "GPC": [918000]},
        "power_control": "auto",
    }
}
ORIN_MEMORY = {
    "RAM": {
        "tot": 15755404,
        "used": 3012345,
        "free": 11000000,
        "buffers": 80000,
        "cached": 1500000,
        "shared": 123456,
        "lfb": 2456,
    },
    "SWAP": {"tot": 7877700, "used": 0, "cached": 0, "table": {}},
    "EMC": {"online": True, "val": 3, "cur": 2133000, "max": 3199000, "min": 204000},
}


def test_input_rail_is_the_total_and_still_a_rail() -> None:
    reading = map_jtop_stats(ORIN_NX_POWER, ORIN_GPU, ORIN_MEMORY)
    assert reading["power_mw"] == 4963.0
    assert reading["rail_VDD_IN_power_mw"] == 4963.0
    assert reading["rail_VDD_IN_voltage_mv"] == 5024.0 and reading["rail_VDD_IN_current_ma"] == 988.0
    assert reading["rail_VDD_SOC_power_mw"] == 1451.0


def test_summed_total_has_no_rail_of_its_own_and_is_none_with_a_rail_offline() -> None:
    all_online = {
        "rail": {k: v for k, v in XAVIER_AGX_POWER["rail"].items() if v["online"]},
        "tot": XAVIER_AGX_POWER["tot"],
    }
    assert map_jtop_stats(all_online, ORIN_GPU, ORIN_MEMORY)["power_mw"] == 953.0
    reading = map_jtop_stats(XAVIER_AGX_POWER, ORIN_GPU, ORIN_MEMORY)
    assert reading["power_mw"] is None  # a sum missing an offline rail would read low
    assert sorted(key for key in reading if key.startswith("rail_") and key.endswith("_power_mw")) == [
        "rail_CPU_power_mw",
        "rail_GPU_power_mw",
        "rail_SYS5V_power_mw",
    ]
    assert reading["rail_SYS5V_power_mw"] is None  # offline, not 0 W


def test_gpu_load_is_percent_and_clock_khz_becomes_hz() -> None:
    reading = map_jtop_stats(ORIN_NX_POWER, ORIN_GPU, ORIN_MEMORY)
    assert reading["gpu_load_pct"] == 37.5
    assert reading["gpu_freq_hz"] == 918_000_000.0


def test_memory_kb_becomes_bytes_and_gpu_share_is_nvmap() -> None:
    reading = map_jtop_stats(ORIN_NX_POWER, ORIN_GPU, ORIN_MEMORY)
    assert reading["ram_used_bytes"] == 3012345 * 1024
    assert reading["ram_total_bytes"] == 15755404 * 1024
    assert reading["gpu_mem_used_bytes"] == 123456 * 1024
    assert reading["gpu_mem_total_bytes"] == reading["ram_total_bytes"]  # integrated GPU: it shares the RAM


def test_board_without_sensors_reads_none_not_zero() -> None:
    reading = map_jtop_stats({}, {}, {})
    assert reading == dict.fromkeys(reading) and "power_mw" in reading and "gpu_load_pct" in reading


def test_without_the_socket_the_probe_says_how_to_start_the_service(tmp_path: Path) -> None:
    absent = tmp_path / "jtop.sock"
    probe = JtopSource(socket_path=str(absent)).probe()
    assert not probe.available
    assert probe.reason == (
        f"jtop.service is not active (no {absent}): install with `sudo pip3 install -U jetson-stats` "
        "and reboot or `sudo systemctl restart jtop.service`"
    )
    assert JtopSource().socket_path == "/run/jtop.sock"  # the only place jetson-stats' client connects to


def test_without_the_service_the_client_library_is_never_imported(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from core.telemetry import jtop_source\n"
        f"source = jtop_source.JtopSource(socket_path={str(tmp_path / 'absent.sock')!r})\n"
        "source.probe(); reading = source.read(); source.close()\n"
        "assert reading['power_mw'] is None, reading\n"
        "print('jtop' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_stale_socket_without_a_service_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jtop.service

    stale = tmp_path / "jtop.sock"
    with socket.socket(
        socket.AF_UNIX
    ) as server:  # bound, never listening: what a stopped service leaves behind
        server.bind(str(stale))
    monkeypatch.setattr(jtop.service, "JTOP_PIPE", str(stale))  # the real client, pointed at the stale socket
    probe = JtopSource(socket_path=str(stale)).probe()
    assert not probe.available
    assert probe.reason == "jtop.service did not answer: The jtop.service is not active. Please run:"


class FakeJtop:
    """The jtop client's surface we use, answering the recorded Orin NX shapes."""

    interval = 0.1
    lost = False

    def __init__(self, interval: float) -> None:
        self.requested_interval_s = interval

    def start(self) -> None:
        pass

    def ok(self, spin: bool = False) -> bool:
        if FakeJtop.lost:
            raise OSError("Lost connection with jtop server")
        return True

    @property
    def power(self) -> dict[str, Any]:
        return ORIN_NX_POWER

    @property
    def gpu(self) -> dict[str, Any]:
        return ORIN_GPU

    @property
    def memory(self) -> dict[str, Any]:
        return ORIN_MEMORY

    def close(self) -> None:
        pass


def test_source_reads_through_the_client_and_survives_losing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "jtop.sock").touch()
    monkeypatch.setattr(FakeJtop, "lost", False)
    source = JtopSource(socket_path=str(tmp_path / "jtop.sock"), client=FakeJtop)
    probe = source.probe()
    assert probe.available, probe.reason
    assert probe.details == {
        "service_interval_s": 0.1,
        "rails": ["VDD_CPU_GPU_CV", "VDD_SOC"],
        "total_rail": "VDD_IN",
    }
    assert source.read()["power_mw"] == 4963.0
    assert source.update_interval_ms == 100.0  # the service's interval: the rig samples at twice its rate
    assert matched_rate_hz(source.update_interval_ms, source.default_rate_hz) == 20.0
    FakeJtop.lost = True
    assert source.read()["power_mw"] is None
    assert source.probe().reason == "jtop.service connection lost: Lost connection with jtop server"
    assert source.update_interval_ms is None  # disconnected: unknown
    source.close()
