# Over 300 lines: a variant's record and the merge of its processes share the RunResult block's shape.
"""Everything the worker processes of one variant reported, turned into a RunResult block of the result file.

Kept apart from the session so the same assembly works for a live run, a replayed run and a test's event list.
The events themselves are folded by core.run.livestate.VariantState; this module adds the status and the blocks.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from core.run.livestate import VariantState, Window
from core.runspec import RunSpec

MODEL_KEYS = ("params", "nonzero_params", "size_bytes", "artifact")
# Blocks of the compress stage's model event, kept only where they apply.
MODEL_BLOCKS = ("pruning", "finetune", "quantization", "tflite", "cached", "weights")


class RunRecord:
    """Accumulates the events of one variant's worker stages; `to_run_result()` gives the JSON block, partial if
    the run broke."""

    def __init__(self, spec: RunSpec) -> None:
        self.spec = spec
        self.state = VariantState(str(spec.compression))
        self.telemetry: dict[str, Any] | None = None  # power/energy/gpu/memory blocks, see capture_telemetry
        self.status = "running"
        # the last worker's exit event (core.run.worker_client): its signal and RSS
        self.exit: dict[str, Any] = {}

    @property
    def variant(self) -> str:
        return self.state.name

    @property
    def hello(self) -> dict[str, Any]:
        return self.state.hello

    @property
    def phases(self) -> dict[str, dict[str, Any]]:
        return self.state.phases

    @property
    def windows(self) -> list[Window]:
        return self.state.windows

    @property
    def errors(self) -> list[str]:
        return self.state.errors

    @property
    def warnings(self) -> list[str]:
        return self.state.warnings

    @property
    def last_progress(self) -> dict[str, Any] | None:
        return self.state.progress

    @property
    def model(self) -> dict[str, Any] | None:
        model = self.state.model
        if model is None:
            return None
        return {**{k: model.get(k) for k in MODEL_KEYS}, **{k: model[k] for k in MODEL_BLOCKS if k in model}}

    @property
    def latency(self) -> dict[str, Any] | None:
        latency = self.state.latency
        if latency is None:
            return None
        return {k: v for k, v in latency.items() if k not in ("t", "rss_bytes")}

    @property
    def latency_rss_bytes(self) -> int | None:
        return None if self.state.latency is None else self.state.latency.get("rss_bytes")

    @property
    def ops(self) -> dict[str, Any] | None:
        ops = self.state.ops
        return None if ops is None else {k: v for k, v in ops.items() if k not in ("t", "final")}

    @property
    def accuracy(self) -> dict[str, Any] | None:
        ev = self.state.eval
        return None if ev is None else {k: v for k, v in ev.items() if k != "t"}

    def add(self, event: dict[str, Any]) -> None:
        """Fold one worker event in; unknown types are ignored so newer workers work with this reader."""
        if event.get("type") == "exit":
            self.exit = event
        self.state.apply(event)

    def begin_stage(self, stage: str) -> None:
        """A new worker process starts (the run stage after the compress stage): what it says is fresh."""
        self.state.new_process()
        self.state.stage = stage

    def fail(self, message: str) -> None:
        self.state.errors.append(message)
        self.status = "failed"

    def finish(self, returncode: int, *, cancelled: bool, log_path: Path | None = None) -> None:
        """Settle the status from the exit code, with one clear line when the worker died without saying why."""
        if self.status == "failed":
            return  # settled already (a worker that could not start, a stage that failed)
        self.status = self.state.result_status or "running"
        if self.status != "complete" and "done" in self.phases:
            self.status = "complete"  # every measurement was reported; only the closing event was cut off
        if self.state.latency is None and self.last_progress is not None:
            self.state.latency = _latency_from_progress(self.last_progress, cancelled)
        if cancelled and self.status != "complete":
            self.status = "cancelled"
            self.errors.append(f"{self.variant}: cancelled; what was measured before is kept")
            return
        if returncode == 0 and self.status == "complete":
            return
        if not self.errors:
            reason = _death_reason(returncode, self.exit.get("last_rss_bytes"))
            self.errors.append(f"{self.variant}: {reason}" + (f"; see {log_path}" if log_path else ""))
        # Killed for memory, the setting does not fit this machine: failed, with what it measured kept beside.
        killed = returncode == -signal.SIGKILL
        self.status = "partial" if (self.model or self.latency) and not killed else "failed"

    def capture_telemetry(
        self, sampler: Any, idle_power_w: float | None, power_source: str | None, context: Any = None
    ) -> None:
        """Fix the power, energy, GPU and memory blocks now, while the timing windows are still in the ring buffers.

        Called when the latency event arrives (timing is over), so the sampler's buffers only need to span one
        timing loop, not the tracing and evaluation that follow it.
        """
        self.telemetry = telemetry_blocks(
            self.state, self.latency_rss_bytes, sampler, idle_power_w, power_source, context
        )

    def to_run_result(
        self, sampler: Any, idle_power_w: float | None, power_source: str | None, context: Any = None
    ) -> dict[str, Any]:
        """The RunResult JSON block: every metric measured so far, null with a reason for what could not be."""
        if self.telemetry is None:  # the run ended before its latency event: summarize what the buffers hold
            self.capture_telemetry(sampler, idle_power_w, power_source, context)
        assert self.telemetry is not None
        self.telemetry["memory"] = {**self.telemetry["memory"], **memory_parts(self.state, self.exit)}
        return {
            "variant": self.variant,
            "status": self.status,
            "spec": self.spec.to_json(),
            "worker": {k: self.hello.get(k) for k in ("pid", "python", "tensorflow", "backend")} or None,
            "model": self.model,
            "latency": self.latency,
            **self.telemetry,
            "accuracy": self.accuracy,
            "ops": self.ops,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


def telemetry_blocks(
    state: VariantState,
    latency_rss_bytes: int | None,
    sampler: Any,
    idle_power_w: float | None,
    power_source: str | None,
    context: Any = None,
) -> dict[str, Any]:
    """The power, energy, GPU and memory blocks of one variant from the sampler's buffers over its windows."""
    from core.telemetry.summary import gpu_block, memory_block, power_and_energy_blocks

    mean_s = (state.latency or {}).get("mean_s")
    power, energy = power_and_energy_blocks(
        sampler, power_source, state.windows, idle_power_w, context, mean_latency_s=mean_s
    )
    timing_t = state.phases.get("timing", {}).get("t")
    preload = state.phases.get("load", {}).get("rss_bytes")
    return {
        "power": power,
        "energy": energy,
        "gpu": gpu_block(sampler, state.windows),
        "memory": memory_block(sampler, timing_t, state.windows, preload, latency_rss_bytes, state.phases),
    }


def memory_parts(state: VariantState, exit_event: dict[str, Any]) -> dict[str, Any]:
    """What the memory block adds from the worker itself: its sampled peak over its whole life (load and
    evaluation included), the RSS its first inferences added (activations and, for run-time de-quantization,
    the floats alive at once), and the bound on those floats (the largest de-quantized layer)."""
    warm = state.phases.get("warmup", {}).get("rss_bytes")
    timed = state.phases.get("timing", {}).get("rss_bytes")
    graph = (state.latency or {}).get("graph") or {}
    return {
        "worker_peak_rss_bytes": exit_event.get("peak_rss_bytes") if state.stage == "run" else None,
        "inference_growth_bytes": timed - warm if warm is not None and timed is not None else None,
        "dequant_float_peak_bytes": graph.get("dequant_float_peak_bytes") or None,
    }


def _latency_from_progress(progress: dict[str, Any], cancelled: bool) -> dict[str, Any]:
    """The timing loop was cut short: keep what its last progress report said (n, mean, CI) rather than nothing."""
    n = int(progress.get("iter") or 0)
    why = "cancelled" if cancelled else "the worker stopped"
    return {
        "n": n,
        "mean_s": progress.get("mean_s"),
        "median_s": None,
        "p90_s": None,
        "p99_s": None,
        "std_s": None,
        "ci95_halfwidth_pct": progress.get("ci95_halfwidth_pct"),
        "converged": False,
        "reason": f"{why} during timing after {n} iterations; mean and CI from the last progress report",
    }


def _death_reason(returncode: int, last_rss_bytes: int | None = None) -> str:
    """One line on how a worker died; a SIGKILL nobody asked for is the kernel's out-of-memory killer, named with
    the size the worker had reached (its last sampled RSS)."""
    if returncode < 0:
        sig = -returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
        if sig == signal.SIGKILL:
            size = f" at about {last_rss_bytes / 1e9:.1f} GB" if last_rss_bytes else ""
            return (
                f"worker was killed by the out-of-memory killer{size} ({name}; last sampled RSS); "
                "try a smaller --eval-limit, a qN setting or a smaller model"
            )
        return f"worker was stopped by {name}"
    if returncode == 0:
        return "worker exited before reporting a result"
    return f"worker exited with code {returncode} before reporting a result"


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One RunResult from several worker processes of the same variant (`repeat`), pyperf-style.

    Latency: each process weighs the same (mean of process means), the std is the exact pooled std of all samples,
    and the CI is the Student t interval over the process means: that one includes the run-to-run noise (memory
    layout, scheduling, clocks) that a single process's CI cannot see. Size, accuracy and ops come from the first
    process (they are deterministic); memory and power take the worst or the mean across processes.
    """
    if len(runs) == 1:
        return runs[0]
    first = runs[0]
    merged = dict(first)
    statuses = [r.get("status") for r in runs]
    merged["status"] = next(
        (s for s in ("failed", "cancelled", "partial") if s in statuses), first.get("status")
    )
    merged["latency"] = _merge_latency([r["latency"] for r in runs if r.get("latency")])
    merged["power"] = _merge_block([r.get("power") for r in runs], mean=("mean_w",), worst=("peak_w",))
    merged["energy"] = _merge_energy([r.get("energy") for r in runs])
    merged["gpu"] = _merge_block([r.get("gpu") for r in runs], mean=("mean_load_pct",), worst=())
    merged["memory"] = _merge_block(
        [r.get("memory") for r in runs], mean=(), worst=("peak_rss_bytes", "delta_rss_bytes")
    )
    merged["errors"] = [e for r in runs for e in r.get("errors") or []]
    merged["warnings"] = [w for r in runs for w in r.get("warnings") or []]
    return merged


def _merge_latency(blocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    import math

    import numpy as np

    from core.measure.timing import ci95_halfwidth_pct

    usable = [b for b in blocks if b.get("mean_s") is not None and b.get("n")]
    if not usable:
        return blocks[0] if blocks else None
    n = np.array([b["n"] for b in usable], dtype=float)
    means = np.array([b["mean_s"] for b in usable], dtype=float)
    stds = np.array([b.get("std_s") or 0.0 for b in usable], dtype=float)
    grand = float(np.average(means, weights=n))
    pooled_var = (np.sum((n - 1) * stds**2) + np.sum(n * (means - grand) ** 2)) / max(n.sum() - 1, 1)
    between = ci95_halfwidth_pct(means)
    within = max((b.get("ci95_halfwidth_pct") or math.inf) for b in usable)
    ci = between if math.isfinite(between) else None
    k = len(usable)
    return {
        **usable[0],  # how it ran (runtime, session options, threads, batch size): the same in every process
        "n": int(n.sum()),
        "mean_s": float(means.mean()),
        "median_s": _median_of(usable, "median_s"),
        "p90_s": _median_of(usable, "p90_s"),
        "p99_s": _median_of(usable, "p99_s"),
        "std_s": float(math.sqrt(pooled_var)),
        "ci95_halfwidth_pct": ci,
        "converged": all(b.get("converged") for b in usable),
        "reason": (
            f"{k} worker processes; 95% CI over their means {between:.1f}% "
            f"(within one process at most {within:.1f}%)"
        ),
        "processes": k,
        "process_means_s": [float(m) for m in means],
    }


def _merge_energy(blocks: list[Any]) -> dict[str, Any]:
    """Mean energy per inference over the processes, its interval over their figures (as latency's CI is)."""
    from core.measure.timing import ci95_halfwidth_pct

    out = _merge_block(
        blocks, mean=("j_per_inference", "raw_j_per_inference", "mlperf_j_per_inference"), worst=()
    )
    values = [
        b["j_per_inference"] for b in blocks if isinstance(b, dict) and b.get("j_per_inference") is not None
    ]
    pct = ci95_halfwidth_pct(values) if len(values) >= 2 else float("inf")
    finite = pct != float("inf")
    out["ci95_halfwidth_pct"] = pct if finite else None
    out["ci95_halfwidth_j"] = abs(out["j_per_inference"]) * pct / 100.0 if finite else None
    out["n_windows"] = len(values)
    out["interval_reason"] = (
        f"over {len(values)} worker processes" if finite else "fewer than 2 processes gave energy"
    )
    return out


def _median_of(blocks: list[dict[str, Any]], key: str) -> float | None:
    """Median across processes of a per-process percentile (exact pooled percentiles need every sample)."""
    import statistics

    values = [b[key] for b in blocks if b.get(key) is not None]
    return float(statistics.median(values)) if values else None


def _merge_block(blocks: list[Any], mean: tuple[str, ...], worst: tuple[str, ...]) -> dict[str, Any]:
    present = [b for b in blocks if isinstance(b, dict)]
    out = dict(present[0]) if present else {}
    for key in mean:
        values = [b[key] for b in present if b.get(key) is not None]
        out[key] = sum(values) / len(values) if values else None
    for key in worst:
        values = [b[key] for b in present if b.get(key) is not None]
        out[key] = max(values) if values else None
    return out
