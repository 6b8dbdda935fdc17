"""The TX2's jtop pair for real: jetson-stats 4.3.2's service under Python 3.6, the dashboard's client here.

scripts/check_jtop_pair.py runs the service against an emulated TX2 in a private mount namespace (root only); the
dashboard's own detection then either reads jtop (client 4.3.2) or names the version mismatch in one line and picks
the sysfs sources (this venv's newer client).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.fixtures.py36 import ROOT

pytestmark = pytest.mark.integration


def test_matched_client_reads_the_service_and_a_mismatch_is_one_line():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_jtop_pair.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode in (2, 3):
        pytest.skip(proc.stderr.strip().splitlines()[-1])
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert "service: jetson-stats 4.3.2 on Python 3.6" in proc.stdout
    # the emulated TX2's VDD_IN (19104 mV x 148 mA) and GPU load (734 per mille), through the 4.3.2 client
    assert "jtop reads {'power_mw': 2827.0, 'gpu_load_pct': 73.4" in proc.stdout
    blocks = proc.stdout.split("client: ")[1:]
    mismatched = [b for b in blocks if "jetson-stats 4.3." not in b.splitlines()[0]]
    for block in mismatched:  # this venv's own, newer client
        jtop_line = next(line for line in block.splitlines() if line.strip().startswith("jtop "))
        assert "major.minor must match" in jtop_line and "pip install 'jetson-stats==4.3.*'" in jtop_line
        assert "picked tegra-power {'power_mw': 2827.0}" in block
