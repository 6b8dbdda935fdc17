"""The dashboard's side of one worker process: start `python -m core.worker`, stream its events, stop it.

It also watches the process's resident memory (every RSS_PERIOD_S), so a worker the kernel kills for memory is
reported with the size it had reached: after its events, `events()` yields one `exit` event (return code, the
signal's name, the last and peak sampled RSS) that core.run.record turns into the out-of-memory wording.

This module runs in the dashboard (any Python >= 3.10), not in the worker; the worker may be another interpreter
(JetPack's Python 3.6 on a TX2), since the only contract is the spec JSON on stdin and JSON-lines events out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from core.worker.protocol import decode

REPO_ROOT = Path(__file__).resolve().parents[2]
KILL_AFTER_S = 3.0
RSS_PERIOD_S = 0.2  # how often the worker's RSS is read (/proc/<pid>/statm: a few microseconds)
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class WorkerStartError(OSError):
    """The interpreter could not be started (missing, not executable); the message is one line."""


def worker_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The worker's environment: this repository importable, TensorFlow's C++ chatter down, output unbuffered."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    return env


class WorkerClient:
    """One worker process: `start(spec)`, iterate `events()`, `wait()` for its exit status; `terminate()` from any
    thread. Its stderr (TensorFlow's log, tracebacks) goes to `log_path`."""

    def __init__(
        self, python: str, log_path: str | os.PathLike[str], args: tuple[str, ...] = ("-m", "core.worker")
    ) -> None:
        self.python = python
        self.log_path = Path(log_path)
        self.args = args
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self.last_rss_bytes: int | None = None  # the worker's RSS at the last sample (None: never read)
        self.peak_rss_bytes: int | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, spec: Mapping[str, Any]) -> None:
        """Start the process and hand it the spec JSON on stdin (then closed, so the worker reads to EOF)."""
        self._log = open(self.log_path, "w", encoding="utf-8")
        try:
            self._proc = subprocess.Popen(
                [self.python, *self.args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                text=True,
                env=worker_env(),
                start_new_session=True,  # Ctrl-C reaches the dashboard only, which stops the worker cleanly
            )
        except OSError as exc:
            self._log.close()
            raise WorkerStartError(
                f"cannot start worker {self.python}: {exc.strerror or exc}; check --worker-python"
            ) from None
        threading.Thread(target=self._watch_rss, args=(self._proc,), name="worker-rss", daemon=True).start()
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(dict(spec)))
            self._proc.stdin.close()
        except BrokenPipeError:
            pass  # the worker died at once; its exit status and log say why

    def events(self) -> Iterator[dict[str, Any]]:
        """Decoded events as they arrive, until the worker closes its stdout; non-protocol noise is skipped."""
        assert self._proc is not None and self._proc.stdout is not None, "start() first"
        for line in self._proc.stdout:
            event = decode(line)
            if event is not None:
                yield event
        yield self._exit_event(self._proc.wait())

    def _exit_event(self, returncode: int) -> dict[str, Any]:
        """How the process ended, with its last sampled memory: the record words a SIGKILL from it."""
        name = None
        if returncode < 0 and -returncode in signal.Signals._value2member_map_:
            name = signal.Signals(-returncode).name
        return {
            "v": 1,
            "type": "exit",
            "t": time.monotonic(),
            "returncode": returncode,
            "signal": name,
            "last_rss_bytes": self.last_rss_bytes,
            "peak_rss_bytes": self.peak_rss_bytes,
        }

    def _watch_rss(self, proc: subprocess.Popen[str]) -> None:
        """Sample the worker's RSS until it exits (a killed process leaves no trace of its size behind)."""
        path = f"/proc/{proc.pid}/statm"
        while proc.poll() is None:
            try:
                with open(path, encoding="ascii") as f:
                    rss = int(f.read().split()[1]) * _PAGE_BYTES
            except (OSError, ValueError, IndexError):
                return  # no procfs here (not Linux), or the process is gone
            if rss > 0:  # a zombie's statm reads 0: keep the last real figure
                self.last_rss_bytes = rss
                self.peak_rss_bytes = max(rss, self.peak_rss_bytes or 0)
            time.sleep(RSS_PERIOD_S)

    def wait(self) -> int:
        """The exit status (negative: killed by that signal); closes the log."""
        assert self._proc is not None, "start() first"
        returncode = self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        if self._log is not None:
            self._log.close()
        return returncode

    def terminate(self) -> None:
        """SIGTERM to the worker's process group, SIGKILL after 3 s: a stuck TensorFlow call must not hang us."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            return

        def kill_later() -> None:
            try:
                proc.wait(timeout=KILL_AFTER_S)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass  # it exited between the wait and the kill

        threading.Thread(target=kill_later, name="worker-kill", daemon=True).start()


__all__ = ["KILL_AFTER_S", "REPO_ROOT", "WorkerClient", "WorkerStartError", "worker_env"]
