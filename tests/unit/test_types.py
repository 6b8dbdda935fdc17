"""The headless core's type hints are checked, not decorative: mypy over core/ must pass."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_passes_on_core():
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Success" in proc.stdout
