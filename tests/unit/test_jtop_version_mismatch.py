"""A jtop client whose jetson-stats differs from the service's (TX2: service 4.3.x on Python 3.6) says so in one line."""

from __future__ import annotations

from pathlib import Path

from core.telemetry.detect import SourceStatus, select_sources
from core.telemetry.jtop_source import JtopSource, connect_error

# jetson-stats 7.2.2's client against the 4.3.2 service under Python 3.6 (run here in a private mount namespace).
REAL_MISMATCH = (
    "Mismatch version jtop service: [4.3.2] and client: [7.2.2]. Please run:\n\nsudo jtop --install-service"
)


class MismatchedClient:
    """jetson-stats' client as it fails against a service of another major.minor."""

    def __init__(self, interval: float) -> None:
        pass

    def start(self) -> None:
        raise RuntimeError(REAL_MISMATCH)  # jtop.JtopException in the real client; only its text matters here


def test_mismatch_is_one_line_with_both_versions_and_the_fix():
    line = connect_error(RuntimeError(REAL_MISMATCH))
    assert "\n" not in line
    assert "4.3.2" in line and "7.2.2" in line
    assert "pip install 'jetson-stats==4.3.*'" in line


def test_other_failures_keep_their_first_line():
    assert (
        connect_error(OSError("Permission denied\nmore")) == "jtop.service did not answer: Permission denied"
    )


def test_mismatched_source_is_unavailable_and_the_sysfs_source_is_picked(tmp_path: Path):
    socket = tmp_path / "jtop.sock"
    socket.touch()
    source = JtopSource(socket_path=str(socket), client=MismatchedClient)
    probe = source.probe()
    assert not probe.available and "jetson-stats 4.3.2" in probe.reason
    assert all(value is None for value in source.read().values())

    class Sysfs:
        name = "tegra-power"

        def close(self) -> None:
            pass

    statuses = [
        SourceStatus("jtop", False, probe.reason),
        SourceStatus("tegra-power", True, "ok", {}, Sysfs()),
    ]
    assert [s.name for s in select_sources(statuses)] == ["tegra-power"]
