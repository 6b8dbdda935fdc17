"""The dashboard's side of one worker process: start `python -m core.worker`, stream its events, stop it.

This module runs in the dashboard (any Python >= 3.10), not in the worker; the worker may be another interpreter
(JetPack's Python 3.6 on a TX2), since the only contract is the spec JSON on stdin and JSON-lines events out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from core.worker.protocol import decode

REPO_ROOT = Path(__file__).resolve().parents[2]
KILL_AFTER_S = 3.0


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
