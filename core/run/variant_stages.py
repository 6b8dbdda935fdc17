"""One variant's worker processes: the compress stage (writes the artifact), then the run stage (times, traces and
evaluates it); their events go into the variant's RunRecord and on to the session's listener.

An older worker ignores "stage" and measures everything in one process; a stage that fails or is cancelled ends
the variant with what it measured so far.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.run.record import RunRecord
from core.run.worker_client import WorkerClient, WorkerStartError
from core.run.worker_host import WorkerHost
from core.runspec import RunSpec


def run_variant(
    host: WorkerHost,
    spec: RunSpec,
    pythons: tuple[str, str],
    environment: dict[str, Any],
    repeat: int = 0,
) -> RunRecord:
    """The compress stage then the run stage of `spec` (pythons: compress, run); returns the settled record."""
    record = RunRecord(spec)
    repeats = spec.options.repeat
    suffix = f".{repeat + 1}" if repeats > 1 else ""
    stem = Path(spec.workdir) / f"{spec.model}-{record.variant.replace('+', '_').replace(':', '-')}{suffix}"
    compress_python, run_python = pythons
    environment["worker_python"] = run_python
    environment["compress_python"] = compress_python
    payload = spec.to_json()
    note = f"{record.variant}: worker process {repeat + 1} of {repeats}" if repeats > 1 else None

    compress_log = stem.with_name(stem.name + ".compress.log")
    compress_payload = {**payload, "stage": "compress"}
    code = run_stage(host, record, "compress", compress_python, compress_payload, compress_log, note)
    artifact = (record.model or {}).get("artifact")
    if code == 0 and not record.errors and not artifact:
        record.fail(f"{record.variant}: the compress stage reported no artifact; see {compress_log}")
    # An older worker ignores "stage" and measures everything in one process: its latency is already here.
    if code != 0 or record.status == "failed" or host.cancelled or record.state.latency is not None:
        return settle(host, record, "compress", code, compress_log, environment)
    emit_exit(host, record, "compress", code, final=False)

    run_log = stem.with_name(stem.name + ".worker.log")
    run_payload = {**payload, "stage": "run", "artifact": artifact}
    code = run_stage(host, record, "run", run_python, run_payload, run_log, note)
    return settle(host, record, "run", code, run_log, environment)


def run_stage(
    host: WorkerHost,
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
    host.emit(
        {"type": "session", "state": "worker-start", "variant": record.variant, "stage": stage,
         "log": str(log_path), "message": note if stage == "run" else None}
    )  # fmt: skip
    client = WorkerClient(python, log_path)
    try:
        client.start(payload)
    except WorkerStartError as exc:
        record.fail(str(exc))
        return None
    host.attach(client, pin=stage == "run")
    if host.cancelled:  # cancelled while it was starting
        client.terminate()
    # Host memory follows the stage at work; the result's footprint is the run stage's (its timing windows).
    rig = host.rig
    rig.set_worker_pid(client.pid)

    def on_event(event: dict[str, Any]) -> None:
        event.setdefault("variant", record.variant)
        record.add(event)
        if event.get("type") == "latency":
            record.capture_telemetry(rig.sampler, rig.idle_power_w, rig.power_source, rig.power_context())
        host.emit(event)

    return host.drive(client, on_event)


def settle(
    host: WorkerHost,
    record: RunRecord,
    stage: str,
    code: int | None,
    log_path: Path,
    environment: dict[str, Any],
) -> RunRecord:
    """The variant's last stage is over: settle its status and say so."""
    environment["tensorflow"] = environment.get("tensorflow") or record.hello.get("tensorflow")
    environment["backend"] = environment.get("backend") or record.hello.get("backend")
    environment["devices"] = environment.get("devices") or record.hello.get("devices")  # GPU on a board
    record.finish(1 if code is None else code, cancelled=host.cancelled, log_path=log_path)
    emit_exit(host, record, stage, code, final=True)
    return record


def emit_exit(host: WorkerHost, record: RunRecord, stage: str, code: int | None, *, final: bool) -> None:
    """Say that one stage's worker exited, with the variant's last error or that it finished."""
    message = record.errors[-1] if record.errors else (f"{record.variant} finished" if final else None)
    host.emit(
        {"type": "session", "state": "worker-exit", "variant": record.variant, "stage": stage,
         "returncode": code, "message": message}
    )  # fmt: skip


__all__ = ["run_stage", "run_variant"]
