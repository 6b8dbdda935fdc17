"""The worker: one process per stage, reading a RunSpec as JSON on stdin and reporting each step as an event.

Stages (the spec's "stage" key): "compress" loads the model, applies the setting and writes the artifact (modern
TensorFlow and Keras: core.worker.compress_stage); "run" loads the artifact and measures it (core.worker.runner,
Python 3.6-compatible); "paired" times two artifacts in alternating blocks (core.worker.paired_runner); no stage
means compress and run, in this one process, as older callers expect. It runs in its own
process so TensorFlow never enters the dashboard, its memory is measured cleanly by pid, and a crash or
out-of-memory here cannot take the dashboard down. This module is Python 3.6-compatible: the TX2 runs it with the
"run" stage only.
"""

import json
import os
import sys
import traceback
from typing import Any, Callable, Dict, List  # noqa: F401 (used by the type comments)

from core.errors import UserError
from core.worker.protocol import Emitter

STAGES = ("compress", "run", "paired")
# What the run stage imports from the interpreter it is given (--worker-python): missing, it is the wrong one.
RUNTIME_LIBRARIES = ("numpy", "tensorflow")


class WorkerSpecError(UserError, ValueError):
    """A run spec the worker cannot read (malformed JSON, a missing key, an unknown stage)."""


def _private_event_stream():
    # type: () -> Emitter
    """Keep the real stdout for events and point fd 1 at stderr, so a library's print cannot corrupt the protocol."""
    event_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return Emitter(os.fdopen(event_fd, "w", buffering=1, encoding="utf-8"))


def main():
    # type: () -> int
    emit = _private_event_stream()
    state = {"phase": "start"}
    try:
        # Imported here (it needs numpy) so a worker Python without numpy still answers with an error event.
        from core.worker.loop import rss_bytes
        from core.worker.runner import run_stage

        data = _read_spec(sys.stdin.read())
        variant = str(data.get("compression", "baseline"))

        def phase_event(name):
            # type: (str) -> None
            state["phase"] = name
            emit("phase", variant=variant, name=name, rss_bytes=rss_bytes())

        stage = data.get("stage")
        if stage in ("run", "paired"):
            keep_keras_out()
        if stage == "paired":
            from core.worker.paired_runner import paired_stage

            paired_stage(data, emit, phase_event)
            emit("result", variant=variant, status="complete", stage=stage)
            return 0
        if stage != "run":
            data = dict(data, artifact=_compress(data, emit, phase_event))
        if stage != "compress":
            run_stage(data, emit, phase_event)
        emit("result", variant=variant, status="complete", stage=stage)
        return 0
    except KeyboardInterrupt:
        emit("error", message="worker interrupted", phase=state["phase"])
        return 130
    except Exception as exc:  # the one place that turns any failure into a protocol event
        traceback.print_exc(file=sys.stderr)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        user = isinstance(exc, (UserError, FileNotFoundError))
        if isinstance(exc, ImportError) and getattr(exc, "name", None) in RUNTIME_LIBRARIES:
            message, user = _missing_library(str(exc.name)), True
        emit("error", message=message if user else f"{type(exc).__name__}: {message}", phase=state["phase"])
        return 1


def keep_keras_out():
    # type: () -> None
    """Mark Keras absent in a run-stage process, which never uses it: TensorFlow 2.16+ imports it (and through it
    scikit-learn and matplotlib) whenever it is installed, about a second of every run-stage start and memory that
    would count as the worker's. TensorFlow treats Keras as optional, so it then skips it."""
    if "keras" not in sys.modules:
        sys.modules["keras"] = None  # type: ignore[assignment]


def _missing_library(name):
    # type: (str) -> str
    """One line naming the interpreter that lacks `name` and what to do (on a Jetson: NVIDIA's TensorFlow)."""
    import platform

    return (
        f"the worker's Python ({sys.executable}, {platform.python_version()}) has no {name}: install TensorFlow "
        "for it (on a Jetson, NVIDIA's build for your JetPack) or pass --worker-python with a Python that has it"
    )


def _read_spec(raw):
    # type: (str) -> Dict[str, Any]
    """The spec JSON as a dict, checked just enough to route it; each stage checks the rest."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise WorkerSpecError(
            f"worker got an unreadable run spec ({exc}); it expects the JSON of core.runspec.RunSpec"
        ) from None
    if not isinstance(data, dict) or "model" not in data:
        raise WorkerSpecError(
            "worker got a run spec without a model; it expects the JSON of core.runspec.RunSpec"
        )
    if data.get("stage") not in (None,) + STAGES:
        raise WorkerSpecError(
            'run spec stage {!r} is unknown; use "compress", "run", "paired", or leave it out for both'.format(
                data["stage"]
            )
        )
    if data.get("stage") == "run" and not data.get("artifact"):
        raise WorkerSpecError('run spec with stage "run" needs an "artifact" path from the compress stage')
    paired = data.get("paired")
    if data.get("stage") == "paired" and not (
        isinstance(paired, dict)
        and len(paired.get("variants") or ()) == 2
        and len(paired.get("artifacts") or ()) == 2
    ):
        raise WorkerSpecError(
            'run spec with stage "paired" needs a "paired" block: two "variants", two "artifacts"'
        )
    return data


def _compress(data, emit, phase_event):
    # type: (Dict[str, Any], Callable[..., None], Callable[[str], None]) -> str
    """The compress stage (modern Python, Keras 3); imported here so the run stage never loads it."""
    from core.worker.compress_stage import compress_stage

    return compress_stage(data, emit, phase_event)
