"""`tocompress serve` helpers: the dashboards' argv, the exposure line, and stopping an app's whole process tree."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from tui.cli.serve import app_argv, exposure_warning, stop_trees

# An app that ignores SIGTERM and has a worker in a session of its own, as tocompress's workers are started.
STUBBORN = (
    "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "w = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True); "
    "print(w.pid, flush=True); time.sleep(60)"
)


def test_app_argv_drops_serve_and_its_own_options() -> None:
    argv = ["--speed", "5", "serve", "--replay", "r.jsonl", "--host", "0.0.0.0", "--port=8001", "-m", "serve"]
    assert app_argv(argv) == ["--speed", "5", "--replay", "r.jsonl", "-m", "serve"]


def test_only_a_non_loopback_address_gets_the_warning_line() -> None:
    assert exposure_warning("127.0.0.1") is None and exposure_warning("localhost") is None
    assert exposure_warning("::1") is None
    line = exposure_warning("0.0.0.0")
    assert line is not None and "anyone who can reach this address" in line and "\n" not in line


def test_stop_trees_kills_an_app_that_ignores_sigterm_and_its_own_session_worker() -> None:
    app = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    worker = int(app.stdout.readline())
    started = time.monotonic()
    killed = stop_trees([app.pid], grace_s=0.5)
    assert set(killed) == {app.pid, worker}
    assert time.monotonic() - started < 5
    app.wait(timeout=5)
    assert not psutil.pid_exists(worker) or psutil.Process(worker).status() == psutil.STATUS_ZOMBIE
