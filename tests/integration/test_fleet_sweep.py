"""A fleet sweep on loopback (issue 19): Dask workers as "boards", each with its own board resource and sysfs tree.

1. `--cluster local:2`, a TX2 tree and an Orin tree: a 4-setting demo sweep on both boards; the TX2 worker is
   killed with SIGKILL while it times a point, its nanny restarts it and the point is measured again there; the
   file holds each (model, setting, board) once, every line names its board, and power follows each tree.
2. A scheduler and a worker started as on a real fleet (`dask scheduler`, `dask worker --resources`), the client
   killed with SIGKILL while a point is timed on the board, then started again: the point running at the kill is
   collected (resumed on the worker or read from its spool), and no point is measured twice.
Every Dask process (scheduler, nannies, workers, the points' children) is gone at the end of each test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import pytest

from core.report.result_file import validate_result
from tests.fixtures.boards import ORIN_AGX_MONITORS, TX2_MONITORS, make_orin_tree, make_tx2_tree

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
TINY = ["--min-seconds", "0.5", "--max-seconds", "1", "--min-iters", "5", "--warmup", "1", "--trace-passes", "0",
        "--idle-seconds", "0.2", "--eval-limit", "20", "--no-paired"]  # fmt: skip  # pairing: test_sweep_paired
QUIET_ENV = {  # a quiet worker, by Dask's own configuration keys (core.sweep.board.QUIET_DASK_CONFIG)
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "2s",
}


def board_tree(make: Any, root: Path, model: str) -> Path:
    tree = make(root)
    (tree / "firmware/devicetree/base/model").write_bytes(model.encode() + b"\x00")
    return tree


def board_watts() -> dict[str, float]:
    """Board power as each tree says: the TX2's input rail; the AGX Orin has none, so the sum of its rails."""
    tx2 = next(mv * ma for rails in TX2_MONITORS.values() for name, mv, ma in rails if name == "VDD_IN")
    orin = sum(mv * ma for rails in ORIN_AGX_MONITORS.values() for _, mv, ma in rails)
    return {"tx2": tx2 / 1e6, "orin": orin / 1e6}


def lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text().splitlines()]


def running_points(fleet: Path) -> list[dict[str, Any]]:
    found = []
    for path in fleet.glob("*/points/*/running.json"):
        try:
            found.append({**json.loads(path.read_text()), "worker": path.parents[2].name})
        except (OSError, ValueError):
            continue  # being replaced right now
    return found


def wait_for(predicate: Any, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"the sweep ended first: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def ours(marker: str, sids: set[int]) -> list[psutil.Process]:
    """Processes of this test: in one of its sessions, or carrying its fleet folder in their environment."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.pid == os.getpid():
                continue
            if os.getsid(p.pid) in sids or marker in p.environ().get("TOCOMPRESS_FLEET_DIR", ""):
                found.append(p)
        except (psutil.Error, OSError):
            continue
    return found


def assert_none_left(marker: str, sids: set[int]) -> None:
    deadline = time.monotonic() + 20
    while (left := ours(marker, sids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for p in left:  # do not leave them running, whatever the verdict
        p.kill()
    assert not left, [p.cmdline() for p in left]


def journal_keys(fleet: Path) -> Counter[str]:
    keys: Counter[str] = Counter()
    for journal in fleet.glob("*/measured.jsonl"):
        keys.update(json.loads(line)["key"] for line in journal.read_text().splitlines())
    return keys


def test_two_boards_and_a_worker_killed_mid_point(tmp_path: Path):
    tx2 = board_tree(make_tx2_tree, tmp_path / "tx2", "NVIDIA Jetson TX2 Developer Kit")
    orin = board_tree(make_orin_tree, tmp_path / "orin", "NVIDIA Jetson AGX Orin Developer Kit")
    out, work = tmp_path / "s.jsonl", tmp_path / "runs"
    fleet = work / "fleet"
    cmd = [sys.executable, "-m", "tui.cli", "sweep", "--model", "digits-cnn", "--settings", "q8,q6,q16,p0.25",
           "--out", str(out), "--workdir", str(work), "--cluster", "local:2", "--boards", "tx2,orin",
           "--board-root", f"tx2={tx2}", "--board-root", f"orin={orin}", *TINY]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    sids = {proc.pid}
    try:

        def timing_on_tx2() -> dict[str, Any] | None:
            return next(
                (r for r in running_points(fleet)
                 if r["worker"] == "tx2-0" and r["phase"] == "timing" and '"baseline"' not in r["key"]),
                None,
            )  # fmt: skip

        victim = wait_for(timing_on_tx2, 240, proc)
        os.kill(victim["dask_pid"], signal.SIGKILL)
        # the point's own process dies with its worker (parent-death signal), so nothing measures beside the rerun
        wait_for(lambda: not psutil.pid_exists(victim["pid"]), 15)
        _, err = proc.communicate(timeout=400)
        assert proc.returncode == 0, err.decode()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        assert_none_left(str(tmp_path), sids)

    records = lines(out)
    assert sorted((r["sweep"]["board"], r["sweep"]["setting"]) for r in records) == sorted(
        (b, s) for b in ("tx2", "orin") for s in ("baseline", "q8", "q6", "q16", "p0.25")
    )
    watts = board_watts()
    assert watts["tx2"] != pytest.approx(watts["orin"], rel=0.05)
    for r in records:
        assert r["status"] == "complete", r["errors"]
        validate_result(r)
        board, fleet_env = r["sweep"]["board"], r["environment"]["fleet"]
        assert (
            fleet_env["board_kind"] == board
            and fleet_env["worker_name"] == f"{board}-{0 if board == 'tx2' else 1}"
        )
        assert r["environment"]["board"] == {"tx2": "NVIDIA Jetson TX2 Developer Kit",
                                             "orin": "NVIDIA Jetson AGX Orin Developer Kit"}[board]  # fmt: skip
        (run,) = [x for x in r["runs"] if x["variant"] == r["sweep"]["setting"]]
        assert run["power"]["idle_w"] == pytest.approx(watts[board], rel=0.01)
        worker = fleet_env["dask_worker"]
        assert (
            worker["reason"] is None and 0 <= worker["cpu_pct_of_one_core"] < 100 and worker["timed_s"] > 0.4
        )
        assert (
            fleet_env["dask"]["worker.profile.enabled"] is False
            and fleet_env["dask"]["admin.tick.interval"] == "1s"
        )
    killed = next(r for r in records if r["sweep"]["key"] == victim["key"])
    assert (
        killed["environment"]["fleet"]["run_id"] != victim["run_id"]
    )  # measured again, on the restarted worker
    assert not list(fleet.glob("*/spool/*.json"))  # every point collected, so the boards dropped their copies
    measured = journal_keys(fleet)
    assert measured[victim["key"]] == 2 and all(n == 1 for k, n in measured.items() if k != victim["key"])


def scheduler_address(path: Path) -> str | None:
    try:
        return str(json.loads(path.read_text())["address"])
    except (OSError, ValueError, KeyError):
        return None  # not written yet, or half written


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
                                stdout=fh, stderr=subprocess.STDOUT)  # fmt: skip


def test_client_killed_then_restarted_measures_nothing_twice(tmp_path: Path):
    tx2 = board_tree(make_tx2_tree, tmp_path / "tx2", "NVIDIA Jetson TX2 Developer Kit")
    fleet, out = tmp_path / "fleet", tmp_path / "s.jsonl"
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    started = [
        _start([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                "--scheduler-file", str(scheduler_file)], QUIET_ENV, tmp_path / "scheduler.log"),
        _start([*dask, "worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1", "--nthreads", "1",
                "--resources", "board-tx2=1", "--name", "tx2-a", "--no-dashboard"],
               {**QUIET_ENV, "TOCOMPRESS_SYSFS_ROOT": str(tx2), "TOCOMPRESS_FLEET_DIR": str(fleet / "tx2-a")},
               tmp_path / "worker.log"),
    ]  # fmt: skip
    sids = {p.pid for p in started}
    try:
        address = wait_for(
            lambda: scheduler_file.exists() and json.loads(scheduler_file.read_text())["address"], 60
        )
        cmd = [sys.executable, "-m", "tui.cli", "sweep", "--model", "digits-cnn", "--settings", "q8,q6",
               "--out", str(out), "--workdir", str(tmp_path / "runs"), "--cluster", address, *TINY]  # fmt: skip
        client = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)  # fmt: skip
        sids.add(client.pid)
        running = wait_for(
            lambda: next(
                (r for r in running_points(fleet) if r["phase"] == "timing" and '"q8"' in r["key"]), None
            ),
            240,
            client,
        )
        os.killpg(client.pid, signal.SIGKILL)  # the client and only the client: the board goes on
        client.wait()
        assert [r["sweep"]["setting"] for r in lines(out)] == ["baseline"]
        again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
    finally:
        for p in started:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in started:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        assert_none_left(str(tmp_path), sids)

    records = lines(out)
    assert sorted(r["sweep"]["setting"] for r in records) == ["baseline", "q6", "q8"]
    q8 = next(r for r in records if r["sweep"]["setting"] == "q8")
    assert q8["status"] == "complete" and q8["environment"]["fleet"]["run_id"] == running["run_id"]
    assert q8["environment"]["fleet"]["worker_name"] == "tx2-a"
    assert not list(fleet.glob("*/spool/*.json"))
    measured = journal_keys(fleet)
    assert sorted(measured.values()) == [1, 1, 1]  # baseline, q8 (finished while no client waited), q6
    assert "skipped 1 already in the file" in " ".join(again.stderr.split())
