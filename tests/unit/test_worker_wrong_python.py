"""A --worker-python that cannot run the worker answers with one protocol error event naming itself, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.dumps({"model": "digits-cnn", "stage": "run", "artifact": "/nonexistent.tcz"})


def _events(cmd):
    proc = subprocess.run(cmd, input=SPEC, cwd=ROOT, capture_output=True, text=True, timeout=60)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, events


def test_python_without_numpy_says_which_interpreter_lacks_it():
    # -S: no site-packages, so this very interpreter has no numpy (as a bare system Python would)
    code, events = _events([sys.executable, "-S", "-m", "core.worker"])
    assert code == 1
    assert [e["type"] for e in events] == ["error"]
    message = events[0]["message"]
    assert message.startswith(f"the worker's Python ({sys.executable}, ") and "has no numpy" in message
    assert "\n" not in message and "Traceback" not in message


def test_python_older_than_36_says_so():
    python2 = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions/2.7.18/bin/python"
    if not python2.exists():
        pytest.skip(f"no old Python here to try ({python2})")
    code, events = _events([str(python2), "-m", "core.worker"])
    assert code == 1
    assert events[0]["type"] == "error"
    assert "needs Python 3.6 or later" in events[0]["message"] and "2.7.18" in events[0]["message"]
