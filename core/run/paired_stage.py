"""The session's paired stage: the baseline and the compressed variant timed in alternating blocks by a few processes
one after the other (core.worker.paired_runner), once both variants' own stages completed with an artifact each.

Why several: one process's interval cannot see how processes differ. Ten fresh quick checks with one process each,
every interval +/-2%, gave ratios 1.135-1.191 and only 7 of 10 intervals held their median: an offset of about 1.5%
per process (where its buffers and threads land) that no number of pairs inside it averages out, and now and then
one process lands 10% off (1.26 where four others read 1.13-1.15). So each process gets a share of the time cap and
a target wider by sqrt(processes), and the interval is over the process ratios; five of them by default.

Their `pair` events go on to the listener live; each process's blocks become a `paired` block (core.run.paired).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.run.paired import merge_paired, paired_block, paired_block_seconds
from core.run.record import merge_runs
from core.run.worker_client import WorkerClient, WorkerStartError
from core.run.worker_host import WorkerHost
from core.runspec import RunOptions, RunSpec


def measure_pairs(
    host: WorkerHost,
    options: RunOptions,
    spec_of: Callable[[], RunSpec],
    python: str,
    per_variant: dict[str, list[dict[str, Any]]],
    paired: dict[str, list[dict[str, Any]]],
) -> None:
    """Run the paired-stage processes when the run has a baseline and one compressed variant, both complete;
    their blocks go into `paired` under the compressed variant (the session files them on its run); `spec_of`
    gives the compressed variant's spec, built only when a paired process starts."""
    names = list(per_variant)
    if not options.paired or len(names) != 2 or names[0] != "baseline":
        return
    artifacts = [
        ((runs[0].get("model") or {}) if runs else {}).get("artifact") for runs in per_variant.values()
    ]
    complete = all(runs and runs[-1].get("status") == "complete" for runs in per_variant.values())
    if not complete or not all(artifacts) or host.cancelled:
        return
    count = paired_process_count(options)
    share = process_share(options, count, host.rig.update_interval_ms)
    for process in range(count):
        if host.cancelled:
            return
        spec = replace(spec_of(), options=share)
        block = run_paired(host, spec, python, names, [str(a) for a in artifacts], process, count)
        paired.setdefault(names[1], []).append(block)
    run = {**merge_runs(per_variant[names[1]]), "paired": merge_paired(paired[names[1]])}
    host.emit({"type": "run", "variant": names[1], "run": run})


def paired_process_count(options: RunOptions) -> int:
    """How many paired-stage processes: `paired_processes`, or `repeat` where that asks for more."""
    return max(options.repeat, options.paired_processes)


def process_share(options: RunOptions, count: int, update_interval_ms: float | None) -> RunOptions:
    """One of `count` processes' options: its share of the time cap, a target sqrt(count) wider, so that the
    processes' mean ratio is about as precise as one process at the full target, and the block length that share
    and the power sensor's refresh (`update_interval_ms`, None without one) allow (paired_block_seconds)."""
    cap_s = options.paired_max_seconds / count
    return replace(
        options,
        paired_max_seconds=cap_s,
        paired_target_pct=options.paired_target_pct * math.sqrt(count),
        paired_block_s=paired_block_seconds(options.paired_block_s, update_interval_ms, cap_s),
    )


def run_paired(
    host: WorkerHost,
    spec: RunSpec,
    python: str,
    names: list[str],
    artifacts: list[str],
    index: int,
    count: int,
) -> dict[str, Any]:
    """Paired-stage process `index` of `count`: its blocks become a paired block (energy and power from the sampler
    over each variant's own blocks)."""
    rig = host.rig
    payload = {**spec.to_json(), "stage": "paired", "paired": {"variants": names, "artifacts": artifacts}}
    suffix = f".{index + 1}" if count > 1 else ""
    stem = f"{spec.model}-{names[1].replace('+', '_').replace(':', '-')}"
    log_path = Path(spec.workdir) / f"{stem}.paired{suffix}.log"
    process = f" (process {index + 1} of {count})" if count > 1 else ""
    host.emit({"type": "session", "state": "paired", "log": str(log_path),
               "message": f"timing {names[0]} and {names[1]} in alternating blocks{process}"})  # fmt: skip
    client = WorkerClient(python, log_path)
    try:
        client.start(payload)
    except WorkerStartError as exc:
        return paired_block(None, None, None, None, str(exc))
    host.attach(client, pin=True)
    rig.set_worker_pid(client.pid)
    found: dict[str, Any] = {}

    def on_event(event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "pair":
            host.emit({**event, "process": index + 1, "processes": count})
        elif kind == "paired":
            found["result"] = event
        elif kind == "error":
            found["failure"] = f"paired stage: {event.get('message')}; see {log_path}"

    code = host.drive(client, on_event)
    result, failure = found.get("result"), found.get("failure")
    if result is None and failure is None:
        failure = f"paired stage exited with code {code} before its result; see {log_path}"
    return paired_block(result, rig.sampler, rig.power_source, rig.idle_power_w, failure)


__all__ = ["measure_pairs", "paired_process_count", "process_share", "run_paired"]
