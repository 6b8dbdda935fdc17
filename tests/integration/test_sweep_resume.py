"""A real sweep (worker processes, digits-cnn, tiny caps) killed with SIGKILL after its first point, restarted:
the file then holds each point exactly once, and the restart measured only what was missing. Two points (baseline,
q8) are enough: a third would only start two more workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[2]
TINY = ["--max-seconds", "0.5", "--min-seconds", "0.1", "--min-iters", "5", "--warmup", "1",
        "--trace-passes", "0", "--idle-seconds", "0", "--eval-limit", "50", "--no-paired"]  # fmt: skip  # resume, not pairing


def sweep(out: Path, workdir: Path) -> list[str]:
    return [sys.executable, "-m", "tui.cli", "sweep", "--model", "digits-cnn", "--settings", "q8",
            "--out", str(out), "--workdir", str(workdir), *TINY]  # fmt: skip


def keys(out: Path) -> list[str]:
    return [json.loads(line)["sweep"]["setting"] for line in out.read_text().splitlines()]


def test_sigkill_then_resume_holds_each_point_once(tmp_path: Path):
    out, workdir = tmp_path / "s.jsonl", tmp_path / "runs"
    # Its own process group, so SIGKILL takes the worker processes too, as a power cut would.
    proc = subprocess.Popen(sweep(out, workdir), cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = keys(out)
    assert first == ["baseline"]  # q8 was still being measured
    with out.open("ab") as fh:  # and a torn line, as if the kill had come mid-write
        fh.write(b'{"sweep": {"key": "torn')
    done = subprocess.run(sweep(out, workdir), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "torn last line (23 bytes" in said
    assert f"skipped {len(first)} already in the file" in said
    assert sorted(keys(out)) == ["baseline", "q8"]
    statuses = [json.loads(line)["status"] for line in out.read_text().splitlines()]
    assert statuses == ["complete"] * 2
