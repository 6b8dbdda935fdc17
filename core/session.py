"""One comparison run: telemetry sampler + one worker process per variant + events -> a result file.

The session lives in the dashboard process: it starts the worker, reads its events as they arrive and passes
them on, samples board power (board-wide, so it is sampled here, not in the worker) and the worker's memory by
pid, and turns it all into the paper's metrics. A worker that dies or is cancelled loses nothing already measured.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from core.environment import collect_environment
from core.results import make_result_file
from core.runrecord import RunRecord, merge_runs
from core.spec import CompressionSpec, RunOptions, RunSpec
from core.worker.protocol import decode

OnEvent = Callable[[dict[str, Any]], None]
_REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SessionConfig:
    """What to run and how: the model, the compressed setting to compare with the baseline, and run options."""

    model: str
    compression: CompressionSpec
    options: RunOptions = field(default_factory=RunOptions)
    workdir: Path = Path("runs")
    sysfs_root: str = "/sys"
    sources: list[str] | None = None  # None: auto-detect (core.telemetry.detect.DEFAULT_ORDER)
    worker_python: str | None = None  # None: $TOCOMPRESS_WORKER_PYTHON or this interpreter
    record_path: Path | None = None
    include_baseline: bool = True
    dataset: str | None = None

    def variants(self) -> list[CompressionSpec]:
        variants = [CompressionSpec()] if self.include_baseline else []
        if not self.compression.is_baseline or not variants:
            variants.append(self.compression)
        return variants


class Session:
    """Runs the variants of one config in turn; `run()` blocks, `cancel()` may be called from any thread."""

    def __init__(self, config: SessionConfig, on_event: OnEvent | None = None) -> None:
        self.config = config
        self._on_event = on_event or (lambda event: None)
        self._cancel = threading.Event()
        self._proc: subprocess.Popen[str] | None = None
        self._recorder: Any = None
        self.sampler: Any = None
        self.idle_power_w: float | None = None
        self.power_source: str | None = None
        self._interrupted = False

    # --- public -------------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Measure the baseline then the compressed setting; always returns a result dict, partial if need be."""
        cfg = self.config
        cfg.options.validate()
        environment = collect_environment(cfg.sysfs_root)
        per_variant: dict[str, list[dict[str, Any]]] = {str(v): [] for v in cfg.variants()}
        errors: list[str] = []
        status = "complete"
        try:
            self._start_telemetry()
            self._measure_idle()
            # Variants alternate (baseline, q8, baseline, q8, ...) so slow drift of the machine hits both alike.
            for repeat, compression in product(range(cfg.options.repeat), cfg.variants()):
                if self._cancel.is_set() or errors:
                    break
                record = self._run_variant(compression, environment, repeat)
                process_runs = per_variant[record.variant]
                process_runs.append(record.to_run_result(self.sampler, self.idle_power_w, self.power_source))
                run = merge_runs(process_runs)
                self._emit({"type": "run", "variant": record.variant, "run": run})
                if record.status != "complete":
                    errors.extend(record.errors)
        except KeyboardInterrupt:
            self._interrupted = True
            self.cancel()
        finally:
            self._stop_telemetry()
        if self._interrupted:
            errors.append("interrupted by Ctrl-C; results so far are kept")
        if self._cancel.is_set():
            status = "cancelled"
            self._emit(
                {"type": "session", "state": "cancelled", "message": "run cancelled; results so far kept"}
            )
        runs = [merge_runs(process_runs) for process_runs in per_variant.values() if process_runs]
        if status != "cancelled" and (errors or len(runs) < len(per_variant)):
            status = "partial" if any(r.get("latency") or r.get("model") for r in runs) else "failed"
        result = make_result_file(cfg.model, environment, runs, status, errors)
        self._emit({"type": "session", "state": "done", "status": status})
        if self._recorder is not None:
            self._recorder.write_event(
                {"type": "session-result", "result": result}
            )  # a replay ends on results
            self._recorder.close()
        return result

    def cancel(self) -> None:
        """Stop the run: the worker is terminated (killed if it does not exit within 3 s)."""
        self._cancel.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            _terminate(proc)

    # --- telemetry ----------------------------------------------------------------------------------------
    def _start_telemetry(self) -> None:
        from core.telemetry.detect import power_source_name, probe_all, select_sources
        from core.telemetry.sampler import Sampler

        self._emit({"type": "session", "state": "probing", "message": "probing sensors"})
        statuses = probe_all(self.config.sysfs_root)
        sources = select_sources(statuses, self.config.sources)
        for status in statuses:
            if not status.available:
                self._emit(
                    {"type": "log", "level": "info", "message": f"sensor {status.name}: {status.reason}"}
                )
        self.power_source = power_source_name(sources)
        if self.config.record_path:
            from core.telemetry.base import Probe
            from core.telemetry.replay import Recorder

            probes = {st.name: Probe(st.available, st.reason, st.details) for st in statuses}
            self._recorder = Recorder(self.config.record_path, probes)
            sources = [self._recorder.wrap(s) for s in sources]
        # The buffers need to span the idle measurement or one timing loop (the blocks are fixed when timing
        # ends), plus a minute of history for the live plots; a 1 kHz all-rail source costs ~0.1 MiB a second.
        opts = self.config.options
        self.sampler = Sampler(sources, capacity_s=max(opts.max_seconds, opts.idle_seconds) + 60.0)
        self.sampler.start()

    def _stop_telemetry(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()

    def _measure_idle(self) -> None:
        """Idle (static) power before any model runs, deducted from every energy figure as the paper does."""
        seconds = self.config.options.idle_seconds
        if self.power_source is None or seconds <= 0:
            return
        from core.telemetry.energy import idle_power_w

        self._emit({"type": "session", "state": "idle", "message": f"measuring idle power for {seconds:g} s"})
        t0 = time.monotonic()
        if self._cancel.wait(seconds):
            return
        series = self.sampler.window(t0, time.monotonic()).get(self.power_source)
        if series is not None and "power_mw" in series.values:
            self.idle_power_w = idle_power_w(series.t, series.values["power_mw"])
        self._emit({"type": "session", "state": "idle-done", "idle_power_w": self.idle_power_w})

    # --- one worker ---------------------------------------------------------------------------------------
    def _run_variant(
        self, compression: CompressionSpec, environment: dict[str, Any], repeat: int = 0
    ) -> RunRecord:
        cfg = self.config
        spec = RunSpec(cfg.model, compression, cfg.options, str(cfg.workdir), cfg.dataset)
        record = RunRecord(spec)
        cfg.workdir.mkdir(parents=True, exist_ok=True)
        suffix = f".{repeat + 1}" if cfg.options.repeat > 1 else ""
        log_path = cfg.workdir / f"{cfg.model}-{record.variant.replace('+', '_')}{suffix}.worker.log"
        python = cfg.worker_python or os.environ.get("TOCOMPRESS_WORKER_PYTHON") or sys.executable
        environment["worker_python"] = python
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO_ROOT), env.get("PYTHONPATH")]))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env["PYTHONUNBUFFERED"] = "1"
        self._emit(
            {
                "type": "session",
                "state": "worker-start",
                "variant": record.variant,
                "log": str(log_path),
                "message": f"{record.variant}: worker process {repeat + 1} of {cfg.options.repeat}"
                if cfg.options.repeat > 1
                else None,
            }
        )
        with open(log_path, "w", encoding="utf-8") as log:
            try:
                proc = subprocess.Popen(
                    [python, "-m", "core.worker"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    env=env,
                    start_new_session=True,  # Ctrl-C reaches the session, which stops the worker cleanly
                )
            except OSError as exc:
                record.fail(f"cannot start worker {python}: {exc.strerror or exc}; check --worker-python")
                return record
            self._proc = proc
            self._set_worker_pid(proc.pid)
            try:
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(json.dumps(spec.to_json()))
                proc.stdin.close()
                for line in proc.stdout:
                    event = decode(line)
                    if event is None:
                        continue
                    event.setdefault("variant", record.variant)
                    record.add(event)
                    if event.get("type") == "latency":
                        record.capture_telemetry(self.sampler, self.idle_power_w, self.power_source)
                    self._emit(event)
            except BrokenPipeError:
                pass
            except KeyboardInterrupt:  # Ctrl-C in a terminal run: stop the worker, keep this variant's record
                self._interrupted = True
                self.cancel()
            finally:
                returncode = proc.wait()
                self._proc = None
                self._set_worker_pid(None)
        environment["tensorflow"] = environment.get("tensorflow") or record.hello.get("tensorflow")
        environment["backend"] = environment.get("backend") or record.hello.get("backend")
        record.finish(returncode, cancelled=self._cancel.is_set(), log_path=log_path)
        self._emit(
            {
                "type": "session",
                "state": "worker-exit",
                "variant": record.variant,
                "returncode": returncode,
                "message": record.errors[-1] if record.errors else f"{record.variant} finished",
            }
        )
        return record

    def _set_worker_pid(self, pid: int | None) -> None:
        for source in getattr(self.sampler, "sources", []):
            if hasattr(source, "set_pid"):
                source.set_pid(pid)

    def _emit(self, event: dict[str, Any]) -> None:
        """Pass an event on (and into the recording): worker events as they came, session events stamped here."""
        event.setdefault("v", 1)
        event.setdefault("t", time.monotonic())
        if self._recorder is not None:
            self._recorder.write_event(event)
        self._on_event(event)


def _terminate(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL after 3 s: a stuck TensorFlow call must not keep the dashboard waiting."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return

    def _kill_later() -> None:
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    threading.Thread(target=_kill_later, daemon=True).start()


class ReplaySession:
    """A recorded run (`--record FILE`) played back with the Session's face: its worker and session events at their
    recorded pace, and its telemetry through a Sampler of ReplaySources, so the live panels move as they did."""

    idle_power_w: float | None = None

    def __init__(self, path: str | Path, on_event: OnEvent | None = None, speed: float = 1.0) -> None:
        from core.telemetry.replay import ReplaySource, load_trace
        from core.telemetry.sampler import Sampler

        self.path = Path(path)
        self.speed = max(speed, 1e-6)
        self._on_event = on_event or (lambda event: None)
        self._stop = threading.Event()
        self._trace = load_trace(self.path)  # ValueError naming the bad line, for the caller to show
        names = list(self._trace.t)
        self.sampler = (
            Sampler([ReplaySource(self.path, n, speed=self.speed) for n in names]) if names else None
        )
        events = self._trace.events
        self.variants = list(dict.fromkeys(e["variant"] for e in events if e.get("type") == "phase"))
        self.model = next(
            (e["spec"]["model"] for e in events if e.get("type") == "hello" and "spec" in e), None
        )

    def run(self) -> dict[str, Any] | None:
        """Play the events; returns the recorded result, or None if the recording ended before one was made."""
        events = self._trace.events
        result = None
        if self.sampler is not None:
            self.sampler.start()
        try:
            t_first = next((e["t"] for e in events if isinstance(e.get("t"), (int, float))), 0.0)
            start = time.monotonic()
            for event in events:
                due = start + (event.get("t", t_first) - t_first) / self.speed
                if self._stop.wait(max(0.0, due - time.monotonic())):
                    return None
                if event.get("type") == "session-result":
                    result = event.get("result")
                    continue
                if event.get("state") == "idle-done":
                    self.idle_power_w = event.get("idle_power_w")
                if event.get("state") == "idle-done":
                    self.idle_power_w = event.get("idle_power_w")
                self._on_event(event)
        finally:
            if self.sampler is not None:
                self.sampler.stop()
        return result

    def cancel(self) -> None:
        self._stop.set()


__all__ = ["ReplaySession", "Session", "SessionConfig"]
