"""Shared fixtures. The real worker costs seconds (TensorFlow import), so one real run is shared by every test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_measure_lock(tmp_path, monkeypatch):
    """Each test its own measurement lock file (core.run.boardlock), so tests running beside a real dashboard,
    or beside another checkout's tests on the same machine, never find the board busy."""
    monkeypatch.setenv("TOCOMPRESS_LOCK_FILE", str(tmp_path / "measure.lock"))


# Small but real: the stopping rule still applies, capped so the suite stays fast on a 2-core CI machine.
FAST_RUN_ARGS = [
    "--min-iters",
    "20",
    "--max-iters",
    "400",
    "--max-seconds",
    "4",
    "--warmup",
    "5",
    "--trace-passes",
    "2",
    "--idle-seconds",
    "0.3",
    "--paired-seconds",  # paired timing (baseline and q8 in ABBA blocks): capped short, the rule still applies
    "2",
    "--paired-processes",  # one paired process; q8_run runs three
    "1",
]


@pytest.fixture(scope="session")
def q8_run(tmp_path_factory):
    """One real `tocompress run --model digits-cnn --compress q8 --json r.json` (baseline + q8 workers)."""
    out = tmp_path_factory.mktemp("q8run")
    path = out / "r.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "run",
            "--model",
            "digits-cnn",
            "--compress",
            "q8",
            "--json",
            str(path),
            "--workdir",
            str(out / "runs"),
            "--record",
            str(out / "rec.jsonl"),
            "--sources",
            "host",  # the same sensors on every machine: a GPU box or a Jetson must not change the outcome
            *FAST_RUN_ARGS,
            "--paired-processes",
            "3",  # several real processes merged; the default five would add ~20 s of worker starts
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert path.exists(), f"no result file; rc={proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return {"proc": proc, "path": path, "data": json.loads(path.read_text()), "dir": out}


@pytest.fixture(autouse=True, scope="session")
def _no_user_calibration(tmp_path_factory):
    """No test reads or writes the user's power-sensor calibrations (~/.config/tocompress/calibration)."""
    import os

    before = os.environ.get("TOCOMPRESS_CALIBRATION_DIR")
    os.environ["TOCOMPRESS_CALIBRATION_DIR"] = str(tmp_path_factory.mktemp("calibration"))
    yield
    if before is None:
        os.environ.pop("TOCOMPRESS_CALIBRATION_DIR", None)
    else:
        os.environ["TOCOMPRESS_CALIBRATION_DIR"] = before
