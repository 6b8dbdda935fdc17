"""The session's paired stage: the baseline and the compressed variant timed in alternating blocks, one process
per --repeat (core.worker.paired_runner), once both variants' own stages completed with an artifact each.

Its `pair` events go on to the listener live; each process's blocks become a `paired` block (core.run.paired).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.run.paired import merge_paired, paired_block
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
    for repeat in range(options.repeat):
        if host.cancelled:
            return
        block = run_paired(host, spec_of(), python, names, [str(a) for a in artifacts], repeat)
        paired.setdefault(names[1], []).append(block)
    run = {**merge_runs(per_variant[names[1]]), "paired": merge_paired(paired[names[1]])}
    host.emit({"type": "run", "variant": names[1], "run": run})


def run_paired(
    host: WorkerHost, spec: RunSpec, python: str, names: list[str], artifacts: list[str], repeat: int
) -> dict[str, Any]:
    """One paired-stage process: its blocks become the paired block (energy and power from the sampler over each
    variant's own blocks)."""
    rig, repeats = host.rig, spec.options.repeat
    payload = {**spec.to_json(), "stage": "paired", "paired": {"variants": names, "artifacts": artifacts}}
    suffix = f".{repeat + 1}" if repeats > 1 else ""
    stem = f"{spec.model}-{names[1].replace('+', '_').replace(':', '-')}"
    log_path = Path(spec.workdir) / f"{stem}.paired{suffix}.log"
    process = f" (process pair {repeat + 1} of {repeats})" if repeats > 1 else ""
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
            host.emit({**event, "process": repeat + 1})
        elif kind == "paired":
            found["result"] = event
        elif kind == "error":
            found["failure"] = f"paired stage: {event.get('message')}; see {log_path}"

    code = host.drive(client, on_event)
    result, failure = found.get("result"), found.get("failure")
    if result is None and failure is None:
        failure = f"paired stage exited with code {code} before its result; see {log_path}"
    return paired_block(result, rig.sampler, rig.power_source, rig.idle_power_w, failure)


__all__ = ["measure_pairs", "run_paired"]
