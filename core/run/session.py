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
import time
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import product
from pathlib import Path
from typing import Any

from core.report.result_file import make_result_file
from core.run.environment import collect_environment, sampler_cost
from core.run.paired import merge_paired
from core.run.paired_stage import measure_pairs
from core.run.pinning import Placement
from core.run.record import RunRecord, merge_runs
from core.run.status import run_status
from core.run.variant_stages import run_variant
from core.run.worker_host import OnEvent, WorkerHost
from core.runspec import RunOptions, RunSpec
from core.spec import CompressionSpec
from core.telemetry.detect import SourceStatus
from core.telemetry.rig import TelemetryRig


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

    def run_spec(self, compression: CompressionSpec, options: RunOptions) -> RunSpec:
        """The worker's spec for one variant: this config's model, data, weights and workdir."""
        spec = RunSpec(self.model, compression, options, str(self.workdir), self.dataset)
        spec.model_args = self.model_args
        spec.weights = _weights_of(self)
        return spec


class Session:
    """Runs the variants of one config in turn; `run()` blocks, `cancel()` may be called from any thread."""

    def __init__(self, config: SessionConfig, on_event: OnEvent | None = None) -> None:
        self.config = config
        self._on_event = on_event or (lambda event: None)
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
        self._host = WorkerHost(self.rig, self.placement, self._emit)

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
        client = self._host.client
        return client.pid if client is not None and client.running else None

    # --- public -------------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Measure the baseline then the compressed setting; always returns a result dict, partial if need be."""
        cfg = self.config
        cfg.options.validate()
        environment = collect_environment(cfg.sysfs_root)
        try:
            per_variant, errors = self._measure_variants(environment)
            cancelled = self._host.cancelled
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
                if self._host.cancelled or errors:
                    break
                record = self._run_variant(compression, environment, repeat)
                process_runs = per_variant[record.variant]
                process_runs.append(
                    record.to_run_result(rig.sampler, rig.idle_power_w, rig.power_source, rig.power_context())
                )
                self._emit({"type": "run", "variant": record.variant, "run": merge_runs(process_runs)})
                if record.status != "complete":
                    errors.extend(record.errors)
            paired_spec = partial(cfg.run_spec, cfg.compression, cfg.options)
            measure_pairs(self._host, cfg.options, paired_spec, cfg.run_python(), per_variant, self._paired)
        except KeyboardInterrupt:
            self._host.interrupt()
        finally:
            rig.stop()
            self.placement.restore()
            environment["sampler"] = sampler_cost(rig.sampler)
            environment["pinning"] = self.placement.to_json()
        if self._host.interrupted:
            errors.append("interrupted by Ctrl-C; results so far are kept")
        return per_variant, errors

    def cancel(self) -> None:
        """Stop the run: the worker is terminated (killed if it does not exit within 3 s)."""
        self._host.cancel()

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
        self.rig.measure_idle(seconds, self._host.cancel_event)
        if not self._host.cancelled:
            self._emit({"type": "session", "state": "idle-done", "idle_power_w": self.rig.idle_power_w})

    # --- one variant: compress stage, then run stage ------------------------------------------------------
    def _run_variant(
        self, compression: CompressionSpec, environment: dict[str, Any], repeat: int = 0
    ) -> RunRecord:
        """One variant's compress stage then run stage (core.run.variant_stages)."""
        cfg = self.config
        # The stopping rule's time floor covers enough power-sensor updates (core.telemetry.updates), within the cap.
        floor_s = max(cfg.options.min_seconds, min(self.rig.min_window_s, cfg.options.max_seconds))
        spec = cfg.run_spec(compression, replace(cfg.options, min_seconds=floor_s))
        cfg.workdir.mkdir(parents=True, exist_ok=True)
        pythons = (cfg.compress_python or sys.executable, cfg.run_python())
        return run_variant(self._host, spec, pythons, environment, repeat)

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
