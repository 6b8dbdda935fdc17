"""What a board's Dask worker runs per sweep point: the whole point (compress stage, run stage, telemetry from
this board's own sensors) in a child process, its result spooled on the board's disk, then handed back.

Why a child process: the Dask worker stays a small idle process whose own CPU share while the point is timed can
be read from outside (`environment.fleet.dask_worker`), its event loop never competes with the sampler's threads
for a GIL, and a TensorFlow crash costs the point, not the worker. The child dies with the worker (parent-death
signal), so a killed worker leaves nothing measuring on the board while its point runs again elsewhere.

Why a spool: the client may die while a point runs; the board finishes it and keeps the result under
`<fleet dir>/spool/`, and the client's next start gets it from there instead of measuring it again. A journal
(`measured.jsonl`) names every measurement the board started, so "measured twice" can be checked.

Board-local settings come from the worker's environment: TOCOMPRESS_SYSFS_ROOT (default /sys), TOCOMPRESS_FLEET_DIR
(default ~/.cache/tocompress/fleet), TOCOMPRESS_WORKER_PYTHON (the run stage's interpreter, as for `run`).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.measure.cpu_share import process_cpu_s

RESOURCE_PREFIX = "board-"
# A quiet worker (issue 19, measured with distributed 2026.8.0): the statistical profiler off, 1 s event-loop
# ticks and 2 s monitors take an idle worker from 2.6-2.9% of a core to 0.6-0.7%.
QUIET_DASK_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "2s",
}


def fleet_dir() -> Path:
    return Path(os.environ.get("TOCOMPRESS_FLEET_DIR") or Path.home() / ".cache" / "tocompress" / "fleet")


def spool_path(key: str, root: Path | None = None) -> Path:
    """Where this board keeps the finished result of the point with sweep key `key`."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return (root or fleet_dir()) / "spool" / f"{digest}.json"


def read_spooled(key: str, root: Path | None = None) -> dict[str, Any] | None:
    """The spooled result of `key` on this board, None when there is none (or it is unreadable)."""
    try:
        record = json.loads(spool_path(key, root).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("key") == key else None


def forget_spooled(key: str) -> bool:
    """Drop the spooled result of `key` once the client has it in its store (called on the worker by client.run)."""
    path = spool_path(key)
    with contextlib.suppress(FileNotFoundError):
        path.with_suffix(".lock").unlink()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
        return True
    return False


@contextlib.contextmanager
def _point_lock(key: str, root: Path) -> Iterator[None]:
    """One measurement of one point at a time on this board: a resubmitted copy waits, then finds the spool."""
    path = spool_path(key, root).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def worker_identity() -> dict[str, Any]:
    """This Dask worker as a board: kind (from its `board-KIND` resource), name, host, address, pid."""
    from distributed import get_worker

    worker = get_worker()
    kinds = [k[len(RESOURCE_PREFIX) :] for k in worker.state.total_resources if k.startswith(RESOURCE_PREFIX)]
    return {
        "board_kind": kinds[0] if kinds else None,
        "worker_name": str(worker.name),
        "worker_host": socket.gethostname(),
        "worker_address": worker.address,
        "scheduler": worker.scheduler.address,
        "dask_pid": os.getpid(),
    }


def dask_settings() -> dict[str, Any]:
    """The worker's quietness settings as it runs with them (recorded with every result)."""
    import dask
    import distributed

    keys = [k.removeprefix("distributed.") for k in QUIET_DASK_CONFIG]
    return {"version": distributed.__version__, **{k: dask.config.get("distributed." + k) for k in keys}}


def run_point(request: dict[str, Any]) -> dict[str, Any]:
    """The Dask task: measure one point on this board (or hand back its spooled result); returns the result dict
    with `environment.fleet` filled. `request` holds the point (see core.sweep.cluster.point_request)."""
    root, key = fleet_dir(), str(request["key"])
    identity = worker_identity()
    with _point_lock(key, root):
        spooled = read_spooled(key, root)
        if spooled is not None:
            result = spooled["result"]
            result["environment"]["fleet"]["from_spool"] = True
            return result
        result = _measure_in_child(request, identity, root)
        write_atomic(spool_path(key, root), [json.dumps({"key": key, "result": result}).encode()])
    return result


def _measure_in_child(request: dict[str, Any], identity: dict[str, Any], root: Path) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:12]
    work = root / "points" / run_id
    work.mkdir(parents=True, exist_ok=True)
    request = {**request, "run_id": run_id, "identity": identity, "dask": dask_settings()}
    (work / "request.json").write_text(json.dumps(request))
    with (root / "measured.jsonl").open("a") as journal:  # one line per measurement this board started
        journal.write(json.dumps({"key": request["key"], "run_id": run_id, "t": time.time()}) + "\n")
    log = (work / "point.log").open("wb")
    cmd = [sys.executable, "-m", "core.sweep.board", str(work / "request.json"), str(work / "result.json")]
    with log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        code = proc.wait()
    try:
        return dict(json.loads((work / "result.json").read_text()))
    except (OSError, ValueError):
        raise RuntimeError(
            f"the point's process on {identity['worker_name']} exited with {code} and wrote no result; "
            f"see {work / 'point.log'} on {identity['worker_host']}"
        ) from None


def _die_with_parent(parent_pid: int) -> None:
    """SIGTERM to this process when the worker that started it dies (Linux prctl); gone already: stop now."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # the worker died before the signal was armed
        raise SystemExit(f"the Dask worker {parent_pid} is gone; not measuring")


class _DaskWorkerShare:
    """CPU seconds of the Dask worker process over the timed spans of this point (phase "timing" to latency)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu_s = 0.0
        self.wall_s = 0.0
        self._start: tuple[float, float] | None = None
        self.reason: str | None = "no timed span was seen"

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "phase" and event.get("name") == "timing":
            cpu = process_cpu_s(self.pid)
            self._start = None if cpu is None else (time.monotonic(), cpu)
            if cpu is None:
                self.reason = f"cannot read /proc/{self.pid}/stat (not Linux?)"
        elif kind == "latency" and self._start is not None:
            cpu = process_cpu_s(self.pid)
            if cpu is not None:
                self.wall_s += time.monotonic() - self._start[0]
                self.cpu_s += cpu - self._start[1]
                self.reason = None
            self._start = None

    def to_json(self) -> dict[str, Any]:
        share = self.cpu_s / self.wall_s * 100.0 if self.wall_s > 0 and self.reason is None else None
        return {
            "pid": self.pid,
            "cpu_pct_of_one_core": share,
            # /proc counts CPU in clock ticks: a share below one tick over the timed span reads as 0
            "resolution_pct_of_one_core": 100.0 / (os.sysconf("SC_CLK_TCK") * self.wall_s)
            if share is not None
            else None,
            "timed_s": self.wall_s if share is not None else None,
            "rss_bytes": _rss_bytes(self.pid),
            "reason": None if share is not None else self.reason,
        }


def _rss_bytes(pid: int) -> int | None:
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss)
    except Exception:  # noqa: BLE001 (psutil missing or the process gone: unknown, not 0)
        return None


def _write_phase(path: Path, state: dict[str, Any]) -> None:
    """What runs now on this board, for an operator (and the fault tests): the point, its phase, the pids."""
    with contextlib.suppress(OSError):
        write_atomic(path, [json.dumps(state).encode()])


def measure(request: dict[str, Any], result_path: Path) -> None:
    """The child: run the point through core.run.session.Session on this board's sensors; write its result."""
    from core.run.session import Session, SessionConfig
    from core.runspec import RunOptions
    from core.spec import CompressionSpec

    identity = request["identity"]
    share = _DaskWorkerShare(int(identity["dask_pid"]))
    running = result_path.with_name("running.json")
    state = {"key": request["key"], "run_id": request["run_id"], "pid": os.getpid(),
             "dask_pid": identity["dask_pid"], "phase": "starting"}  # fmt: skip

    def on_event(event: dict[str, Any]) -> None:
        share.on_event(event)
        if event.get("type") == "phase":
            state["phase"] = event.get("name")
            _write_phase(running, state)

    _write_phase(running, state)
    config = SessionConfig(
        model=request["model"],
        compression=CompressionSpec.parse(request["setting"]),
        options=RunOptions(**request["options"]),
        workdir=result_path.parent.parent.parent / "runs",
        sysfs_root=os.environ.get("TOCOMPRESS_SYSFS_ROOT") or "/sys",
        sources=request.get("sources"),
        # paired with a baseline on the same board, as core.sweep.runner does (not with --no-paired)
        include_baseline=bool(request["options"].get("paired", True)),
        dataset=request.get("dataset"),
        weights=request.get("weights"),
    )
    result = Session(config, on_event).run()
    if result.get("status") == "cancelled":  # stopped (SIGTERM): no result, so the point runs again
        return
    result["environment"]["fleet"] = {
        **{k: v for k, v in identity.items() if k != "dask_pid"},
        "run_id": request["run_id"],
        "from_spool": False,
        "dask": request["dask"],
        "dask_worker": share.to_json(),
    }
    write_atomic(result_path, [json.dumps(result).encode()])
    state["phase"] = "finished"
    _write_phase(running, state)


def main(argv: list[str]) -> int:
    """`python -m core.sweep.board REQUEST.json RESULT.json` (started by run_point; not for people)."""
    # SIGTERM (the worker died, or asked) stops the point as Ctrl-C would: the session ends its worker process.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    request = json.loads(Path(argv[0]).read_text())
    _die_with_parent(int(request["identity"]["dask_pid"]))
    measure(request, Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
