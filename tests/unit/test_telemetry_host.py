"""HostSource on this machine's real /proc: values, the worker pid switch, and a process that is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from core.telemetry.host import HostSource


def test_probe_is_always_available():
    probe = HostSource().probe()
    assert probe.available
    assert probe.details["ram_total_bytes"] == psutil.virtual_memory().total


def test_readings_are_consistent_with_psutil():
    source = HostSource(os.getpid())
    r = source.read()
    assert r["cpu_load_pct"] is None  # no interval yet: None, not a made-up 0
    assert 0 < r["ram_used_bytes"] < r["ram_total_bytes"] == psutil.virtual_memory().total
    rss = psutil.Process().memory_info().rss
    assert abs(r["rss_bytes"] - rss) < 0.2 * rss
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:  # keep a core busy so the load is above zero
        pass
    load = source.read()["cpu_load_pct"]
    assert load is not None and 0.0 < load <= 100.0


def test_rss_is_none_without_a_pid_or_once_the_process_is_gone():
    source = HostSource()
    assert source.read()["rss_bytes"] is None
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"  # the interpreter is up
        source.set_pid(child.pid)
        assert source.pid == child.pid
        assert source.read()["rss_bytes"] > 1_000_000
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert source.read()["rss_bytes"] is None
    source.set_pid(child.pid)  # a pid that no longer exists: None, never an exception
    assert source.read()["rss_bytes"] is None
    source.set_pid(None)
    assert source.read()["rss_bytes"] is None
