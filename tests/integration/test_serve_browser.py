"""`tocompress serve` with the shipped recording, driven by a real headless Chromium (Debian's, via Playwright).

The terminal is drawn on a canvas, so the test reads the dashboard from what the page itself receives: the
websocket frames the app sends to the browser's terminal (escape sequences stripped). Two tabs give two dashboard
processes; SIGTERM to serve must leave none of them running.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from core.paths import asset

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium); the browser test needs it"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(proc: subprocess.Popen[str], port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail("serve did not listen within 30 s")


def screen_text(frames: list[bytes]) -> str:
    return ESCAPES.sub(b"", b"".join(frames)).decode("utf-8", "replace")


def test_serve_shows_the_replaying_dashboard_in_chromium_and_sigterm_stops_every_app(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright's Python API is not installed")
    port = free_port()
    trace = asset("traces", "tx2-digits-cnn-q8.jsonl.gz")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui.cli",
            "serve",
            "--replay",
            str(trace),
            "--speed",
            "4",
            "--workdir",
            str(tmp_path / "runs"),
            "--port",
            str(port),
        ],  # fmt: skip
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_listening(serve, port)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(
                str(tmp_path / "profile"),  # a new, empty user-data-dir
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 800},
            )
            pages = []
            frames: list[list[bytes]] = []
            for _ in range(2):  # two tabs: two dashboards
                page = browser.new_page()
                received: list[bytes] = []
                page.on(
                    "websocket",
                    lambda ws, received=received: ws.on(
                        "framereceived",
                        lambda data: received.append(data if isinstance(data, bytes) else b""),
                    ),
                )
                page.goto(f"http://127.0.0.1:{port}/")
                pages.append(page)
                frames.append(received)
            deadline = time.monotonic() + 60
            while not all("digits-cnn: baseline vs q8" in screen_text(f) for f in frames):
                assert time.monotonic() < deadline, (
                    f"no dashboard in the page: {screen_text(frames[0])[-2000:]!r}"
                )
                pages[0].wait_for_timeout(250)
            pages[0].wait_for_selector("body.-first-byte", timeout=10_000)  # the terminal shows what arrived
            text = screen_text(frames[0])
            assert "tocompress" in text and "Power" in text  # the live run screen of the replay
            pages[0].click("#terminal")
            pages[0].keyboard.press("F2")  # the dashboard's screenshot key, through the browser's terminal
            deadline = time.monotonic() + 20
            while not list((tmp_path / "screenshots").glob("digits-cnn-q8-*.svg")):
                assert time.monotonic() < deadline, "F2 in the browser saved no screenshot"
                pages[0].wait_for_timeout(250)
            shot = tmp_path / "serve.png"
            pages[0].screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            lines: list[str] = []
            while sum("started for a browser" in line for line in lines) < 2:
                lines.append(serve.stdout.readline() if serve.stdout else "")
            pids = [int(line.split()[2]) for line in lines if "started for a browser" in line]
            assert len(set(pids)) == 2  # each connection its own app process
            assert all(psutil.pid_exists(pid) for pid in pids)
            serve.send_signal(signal.SIGTERM)  # with both tabs still open
            assert serve.wait(timeout=20) == 0
            for pid in pids:
                gone = not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
                assert gone, f"dashboard pid {pid} outlived serve"
            browser.close()
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
