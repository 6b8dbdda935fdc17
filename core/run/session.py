# Over 300 lines: one run's orchestration reads top to bottom here; its parts are the other core/run modules.
"""One comparison run: the telemetry rig, two worker stages per variant, and their events -> a result file.

The session lives in the dashboard process and only orchestrates: core.telemetry.rig samples the board (power is
board-wide, so it is sampled here, not in the worker), core.run.worker_client starts and reads each worker process,
core.run.record turns one variant's events into its result block, and core.run.status settles the run's status.
Per variant a compress stage (modern TensorFlow: writes the artifact) is followed by a run stage (the runner,
possibly JetPack's Python 3.6: times, traces and evaluates the artifact). A worker that dies or is cancelled loses
nothing already measured.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path
from typing import Any

from core.report.result_file import make_result_file
from core.run.environment import collect_environment, sampler_cost
from core.run.paired import merge_paired, paired_block
from core.run.pinning import Placement
from core.run.record import RunRecord, merge_runs
from core.run.status import run_status
from core.run.worker_client import WorkerClient, WorkerStartError
from core.runspec import RunOptions, RunSpec
from core.spec import CompressionSpec
from core.telemetry.detect import SourceStatus
from core.telemetry.rig import TelemetryRig

OnEvent = Callable[[dict[str, Any]], None]


@dataclass
class SessionConfig:
    """What to run and how: the model, the compressed setting to compare with the baseline, and run options."""

    model: str
    compression: CompressionSpec
    options: RunOptions = field(default_factory=RunOptions)
    workdir: Path = Path("runs")
    sysfs_root: str = "/sys"
    sources: list[str] | None = None  # None: auto-detect (core.telemetry.detect.DEFAULT_ORDER)
    worker_python: str | None = None  # run stage; None: $TOCOMPRESS_WORKER_PYTHON or this interpreter
    record_path: Path | None = None
    include_baseline: bool = True
    dataset: str | None = None
    probes: list[SourceStatus] | None = None  # probe results made already (the dashboard's); None: probe here
    compress_python: str | None = None  # compress stage (needs Keras 3); None: this interpreter
    rates_hz: dict[str, float] | None = None  # sampling rate per source name; None: each source's default
    pin: bool | None = None  # worker and tool on separate cores; None: where there are 4 cores or more
    read_rails: bool = True  # per-rail power (the dashboard shows it); False: board power only
    weights: str | None = None  # "pretrained" or "random" (seeded); None: pretrained (core.models.registry)
    # A model the user brings (core.models.user_model); `model` is its name.
    model_args: dict[str, Any] | None = None

    def variants(self) -> list[CompressionSpec]:
        variants = [CompressionSpec()] if self.include_baseline else []
        if not self.compression.is_baseline or not variants:
            variants.append(self.compression)
        return variants

    def run_python(self) -> str:
        return self.worker_python or os.environ.get("TOCOMPRESS_WORKER_PYTHON") or sys.executable


class Session:
    """Runs the variants of one config in turn; `run()` blocks, `cancel()` may be called from any thread."""

    def __init__(self, config: SessionConfig, on_event: OnEvent | None = None) -> None:
        self.config = config
        self._on_event = on_event or (lambda event: None)
        self._cancel = threading.Event()
        self._client: WorkerClient | None = None
        self._interrupted = False
        # compressed variant -> its paired blocks, one per paired-stage process
        self._paired: dict[str, list[dict[str, Any]]] = {}
        self.placement = Placement(config.pin)
        opts = config.options
        # The buffers need to span the idle measurement or one timing loop (the blocks are fixed when timing
        # ends), plus a minute of history for the live plots; a 1 kHz all-rail source costs ~0.1 MiB a second.
        self.rig = TelemetryRig(
            config.sysfs_root,
            only=config.sources,
            probes=config.probes,
            record_path=config.record_path,
            capacity_s=max(opts.max_seconds, opts.paired_max_seconds, opts.idle_seconds) + 60.0,
            rates_hz=config.rates_hz,
            read_rails=config.read_rails,
        )

    @property
    def sampler(self) -> Any:
        """The live telemetry (None before the run starts): the run screen plots its snapshots."""
        return self.rig.sampler

    @property
    def power_context(self) -> Any:
        """The power sensor's refresh, sampling rate and calibration (the power panel shows them)."""
        return self.rig.power_context()

    @property
    def idle_power_w(self) -> float | None:
        return self.rig.idle_power_w

    @property
    def worker_pid(self) -> int | None:
        """The worker process running now, None between workers and after the run."""
        client = self._client
        return client.pid if client is not None and client.running else None

    # --- public -------------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Measure the baseline then the compressed setting; always returns a result dict, partial if need be."""
        cfg = self.config
        cfg.options.validate()
        environment = collect_environment(cfg.sysfs_root)
        try:
            per_variant, errors = self._measure_variants(environment)
            cancelled = self._cancel.is_set()
            if cancelled:
                self._emit(
                    {"type": "session", "state": "cancelled", "message": "run cancelled; results so far kept"}
                )
            runs = [merge_runs(process_runs) for process_runs in per_variant.values() if process_runs]
            for run in runs:
                if run["variant"] in self._paired:
                    run["paired"] = merge_paired(self._paired[run["variant"]])
            status = run_status(runs, len(per_variant), errors, cancelled)
            result = make_result_file(cfg.model, environment, runs, status, errors)
            self._emit({"type": "session", "state": "done", "status": status})
            # A replay ends on the results, when they came.
            self.rig.record_event({"type": "session-result", "t": time.monotonic(), "result": result})
            return result
        finally:
            self.rig.close()

    def _measure_variants(
        self, environment: dict[str, Any]
    ) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        """Sensors up, idle power, then every worker process of every variant; the RunResult blocks per variant
        (one per process) and the run's error lines. Sampling is stopped on the way out, whatever happens."""
        cfg, rig = self.config, self.rig
        per_variant: dict[str, list[dict[str, Any]]] = {str(v): [] for v in cfg.variants()}
        errors: list[str] = []
        try:
            self._start_telemetry()
            self.placement.pin_tool()  # after the sampler's threads exist: they are pinned with the tool
            self._measure_idle()
            # Variants alternate (baseline, q8, baseline, q8, ...) so slow drift of the machine hits both alike.
            for repeat, compression in product(range(cfg.options.repeat), cfg.variants()):
                if self._cancel.is_set() or errors:
                    break
                record = self._run_variant(compression, environment, repeat)
                process_runs = per_variant[record.variant]
                process_runs.append(
                    record.to_run_result(rig.sampler, rig.idle_power_w, rig.power_source, rig.power_context())
                )
                self._emit({"type": "run", "variant": record.variant, "run": merge_runs(process_runs)})
                if record.status != "complete":
                    errors.extend(record.errors)
            self._measure_pairs(per_variant)
        except KeyboardInterrupt:
            self._interrupted = True
            self.cancel()
        finally:
            rig.stop()
            self.placement.restore()
            environment["sampler"] = sampler_cost(rig.sampler)
            environment["pinning"] = self.placement.to_json()
        if self._interrupted:
            errors.append("interrupted by Ctrl-C; results so far are kept")
        return per_variant, errors

    def _measure_pairs(self, per_variant: dict[str, list[dict[str, Any]]]) -> None:
        """The answer: the baseline and the compressed variant timed in alternating blocks, one paired-stage
        process per --repeat; their blocks go into self._paired (run() files them on the compressed run)."""
        cfg = self.config
        names = [str(v) for v in cfg.variants()]
        if not cfg.options.paired or len(names) != 2 or names[0] != "baseline":
            return
        artifacts = [
            ((runs[0].get("model") or {}) if runs else {}).get("artifact") for runs in per_variant.values()
        ]
        complete = all(runs and runs[-1].get("status") == "complete" for runs in per_variant.values())
        if not complete or not all(artifacts) or self._cancel.is_set():
            return
        for repeat in range(cfg.options.repeat):
            if self._cancel.is_set():
                return
            block = self._run_paired(names, [str(a) for a in artifacts], repeat)
            self._paired.setdefault(names[1], []).append(block)
        run = {**merge_runs(per_variant[names[1]]), "paired": merge_paired(self._paired[names[1]])}
        self._emit({"type": "run", "variant": names[1], "run": run})

    def _run_paired(self, names: list[str], artifacts: list[str], repeat: int) -> dict[str, Any]:
        """One paired-stage process (core.worker.paired_runner): its `pair` events go on to the listener live,
        its blocks become the paired block (energy and power from the sampler over each variant's own blocks)."""
        cfg, rig = self.config, self.rig
        spec = RunSpec(cfg.model, cfg.compression, cfg.options, str(cfg.workdir), cfg.dataset)
        spec.model_args = cfg.model_args
        spec.weights = _weights_of(cfg)
        payload = {**spec.to_json(), "stage": "paired", "paired": {"variants": names, "artifacts": artifacts}}
        suffix = f".{repeat + 1}" if cfg.options.repeat > 1 else ""
        stem = f"{cfg.model}-{names[1].replace('+', '_').replace(':', '-')}"
        log_path = cfg.workdir / f"{stem}.paired{suffix}.log"
        process = f" (process pair {repeat + 1} of {cfg.options.repeat})" if cfg.options.repeat > 1 else ""
        self._emit({"type": "session", "state": "paired", "log": str(log_path),
                    "message": f"timing {names[0]} and {names[1]} in alternating blocks{process}"})  # fmt: skip
        client = WorkerClient(cfg.run_python(), log_path)
        try:
            client.start(payload)
        except WorkerStartError as exc:
            return paired_block(None, None, None, None, str(exc))
        self._client = client
        self.placement.pin_worker(client.pid)
        rig.set_worker_pid(client.pid)
        result: dict[str, Any] | None = None
        failure: str | None = None
        try:
            for event in client.events():
                kind = event.get("type")
                if kind == "pair":
                    self._emit({**event, "process": repeat + 1})
                elif kind == "paired":
                    result = event
                elif kind == "error":
                    failure = f"paired stage: {event.get('message')}; see {log_path}"
        except KeyboardInterrupt:
            self._interrupted = True
            self.cancel()
        finally:
            code = client.wait()
            self._client = None
            rig.set_worker_pid(None)
        if result is None and failure is None:
            failure = f"paired stage exited with code {code} before its result; see {log_path}"
        return paired_block(result, rig.sampler, rig.power_source, rig.idle_power_w, failure)

    def cancel(self) -> None:
        """Stop the run: the worker is terminated (killed if it does not exit within 3 s)."""
        self._cancel.set()
        client = self._client
        if client is not None:
            client.terminate()

    # --- telemetry ----------------------------------------------------------------------------------------
    def _start_telemetry(self) -> None:
        self._emit({"type": "session", "state": "probing", "message": "probing sensors"})
        for status in self.rig.start():
            if not status.available:
                self._emit(
                    {"type": "log", "level": "info", "message": f"sensor {status.name}: {status.reason}"}
                )

    def _measure_idle(self) -> None:
        """Idle (static) power before any model runs, deducted from every energy figure as the paper does."""
        seconds = self.config.options.idle_seconds
        if self.rig.power_source is None or seconds <= 0:
            return
        self._emit({"type": "session", "state": "idle", "message": f"measuring idle power for {seconds:g} s"})
        self.rig.measure_idle(seconds, self._cancel)
        if not self._cancel.is_set():
            self._emit({"type": "session", "state": "idle-done", "idle_power_w": self.rig.idle_power_w})

    # --- one variant: compress stage, then run stage ------------------------------------------------------
    def _run_variant(
        self, compression: CompressionSpec, environment: dict[str, Any], repeat: int = 0
    ) -> RunRecord:
        cfg = self.config
        # The stopping rule's time floor covers enough power-sensor updates (core.telemetry.updates), within the cap.
        floor_s = max(cfg.options.min_seconds, min(self.rig.min_window_s, cfg.options.max_seconds))
        options = replace(cfg.options, min_seconds=floor_s)
        spec = RunSpec(cfg.model, compression, options, str(cfg.workdir), cfg.dataset)
        spec.model_args = cfg.model_args
        spec.weights = _weights_of(cfg)
        record = RunRecord(spec)
        cfg.workdir.mkdir(parents=True, exist_ok=True)
        suffix = f".{repeat + 1}" if cfg.options.repeat > 1 else ""
        stem = cfg.workdir / f"{cfg.model}-{record.variant.replace('+', '_').replace(':', '-')}{suffix}"
        run_python, compress_python = cfg.run_python(), cfg.compress_python or sys.executable
        environment["worker_python"] = run_python
        environment["compress_python"] = compress_python
        payload = spec.to_json()
        note = (
            f"{record.variant}: worker process {repeat + 1} of {cfg.options.repeat}"
            if cfg.options.repeat > 1
            else None
        )

        compress_log = stem.with_name(stem.name + ".compress.log")
        code = self._run_stage(
            record, "compress", compress_python, {**payload, "stage": "compress"}, compress_log, note
        )
        artifact = (record.model or {}).get("artifact")
        if code == 0 and not record.errors and not artifact:
            record.fail(f"{record.variant}: the compress stage reported no artifact; see {compress_log}")
        # An older worker ignores "stage" and measures everything in one process: its latency is already here.
        if (
            code != 0
            or record.status == "failed"
            or self._cancel.is_set()
            or record.state.latency is not None
        ):
            return self._settle(record, "compress", code, compress_log, environment)
        self._emit_exit(record, "compress", code, final=False)

        run_log = stem.with_name(stem.name + ".worker.log")
        run_payload = {**payload, "stage": "run", "artifact": artifact}
        code = self._run_stage(record, "run", run_python, run_payload, run_log, note)
        return self._settle(record, "run", code, run_log, environment)

    def _run_stage(
        self,
        record: RunRecord,
        stage: str,
        python: str,
        payload: dict[str, Any],
        log_path: Path,
        note: str | None,
    ) -> int | None:
        """One worker process: its events go into the record and on to the listener; returns its exit status,
        None when it could not be started (the record then says why)."""
        record.begin_stage(stage)
        self._emit(
            {"type": "session", "state": "worker-start", "variant": record.variant, "stage": stage,
             "log": str(log_path), "message": note if stage == "run" else None}
        )  # fmt: skip
        client = WorkerClient(python, log_path)
        try:
            client.start(payload)
        except WorkerStartError as exc:
            record.fail(str(exc))
            return None
        self._client = client
        if stage == "run":
            self.placement.pin_worker(client.pid)
        if self._cancel.is_set():  # cancelled while it was starting
            client.terminate()
        # Host memory follows the stage at work; the result's footprint is the run stage's (its timing windows).
        self.rig.set_worker_pid(client.pid)
        try:
            for event in client.events():
                event.setdefault("variant", record.variant)
                record.add(event)
                if event.get("type") == "latency":
                    record.capture_telemetry(
                        self.rig.sampler,
                        self.rig.idle_power_w,
                        self.rig.power_source,
                        self.rig.power_context(),
                    )
                self._emit(event)
        except KeyboardInterrupt:  # Ctrl-C in a terminal run: stop the worker, keep this variant's record
            self._interrupted = True
            self.cancel()
        finally:
            code = client.wait()
            self._client = None
            self.rig.set_worker_pid(None)
        return code

    def _settle(
        self, record: RunRecord, stage: str, code: int | None, log_path: Path, environment: dict[str, Any]
    ) -> RunRecord:
        """The variant's last stage is over: settle its status and say so."""
        environment["tensorflow"] = environment.get("tensorflow") or record.hello.get("tensorflow")
        environment["backend"] = environment.get("backend") or record.hello.get("backend")
        environment["devices"] = environment.get("devices") or record.hello.get("devices")  # GPU on a board
        record.finish(1 if code is None else code, cancelled=self._cancel.is_set(), log_path=log_path)
        self._emit_exit(record, stage, code, final=True)
        return record

    def _emit_exit(self, record: RunRecord, stage: str, code: int | None, *, final: bool) -> None:
        message = record.errors[-1] if record.errors else (f"{record.variant} finished" if final else None)
        self._emit(
            {"type": "session", "state": "worker-exit", "variant": record.variant, "stage": stage,
             "returncode": code, "message": message}
        )  # fmt: skip

    def _emit(self, event: dict[str, Any]) -> None:
        """Pass an event on (and into the recording): worker events as they came, session events stamped here."""
        event.setdefault("v", 1)
        event.setdefault("t", time.monotonic())
        self.rig.record_event(event)
        self._on_event(event)


__all__ = ["Session", "SessionConfig"]


def _weights_of(cfg: SessionConfig) -> str | None:
    """The run spec's weights: "random" where asked, or where a registry model has no pretrained file here; None
    (the model's own) otherwise."""
    if cfg.model_args is not None:
        return None  # a model the user brings carries its own weights
    from core.models.registry import get_model_info, resolve_weights

    return "random" if resolve_weights(get_model_info(cfg.model), cfg.weights) == "random" else None
