"""Checks made before any process starts, and the run options from the command line.

Both faces (`tocompress run` and the dashboard) call these, so a bad model, dataset, interpreter, output path,
recording, or a model too big for this machine's memory is refused in one line before a minute of measuring is
spent.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from core.errors import UserError
from core.run.memory_estimate import MemoryEstimate
from core.runspec import RunOptions
from core.spec import CompressionSpec


class UsageError(UserError):
    """A mistake on the command line or in the environment, reported as one line."""


def options_from(args: argparse.Namespace) -> RunOptions:
    """The run options the flags ask for, validated, so an impossible combination is one line here."""
    opts = RunOptions(
        ci_target_pct=args.ci_target,
        min_iters=args.min_iters,
        max_iters=args.max_iters,
        max_seconds=args.max_seconds,
        min_seconds=args.min_seconds,
        warmup_iters=args.warmup,
        batch_size=args.batch_size,
        trace_passes=args.trace_passes,
        eval_limit=args.eval_limit,
        idle_seconds=args.idle_seconds,
        repeat=args.repeat,
        threads=getattr(args, "threads", None),
        paired=not getattr(args, "no_paired", False),
        paired_threshold_pct=getattr(args, "threshold", RunOptions.paired_threshold_pct),
        paired_target_pct=getattr(args, "paired_target", RunOptions.paired_target_pct),
        paired_max_seconds=getattr(args, "paired_seconds", RunOptions.paired_max_seconds),
        paired_block_s=getattr(args, "paired_block", RunOptions.paired_block_s),
        paired_processes=getattr(args, "paired_processes", RunOptions.paired_processes),
        weights_form=getattr(args, "weights_form", RunOptions.weights_form),
    )
    opts.validate()
    return opts


def check_model(name: str, weights: str | None = None) -> None:
    """Fail before any process starts when the model is unknown or cannot run here with these weights (None:
    pretrained where its file is here, else seeded random)."""
    from core.models.registry import availability, get_model_info, resolve_weights

    info = get_model_info(name)
    ok, reason = availability(info, resolve_weights(info, weights))
    if not ok:
        raise UsageError(f"model {info.name} is not available here: {reason}")


def check_dataset(model: str, dataset: str | None, weights: str | None = None) -> None:
    """Fail before any process starts when the evaluation set is unknown or does not fit the model (random
    weights need none: seeded random inputs stand in)."""
    from core.data import load_eval_set
    from core.models.registry import get_model_info, resolve_weights

    if dataset is None and resolve_weights(get_model_info(model), weights) == "random":
        return
    load_eval_set(model, dataset, limit=1)


def check_worker_python(python: str | None, flag: str = "--worker-python") -> None:
    """Fail before measuring when a worker interpreter given by the user (`flag`) cannot be run."""
    if python is None:
        return
    if shutil.which(python) is None:
        raise UsageError(f"{flag} {python}: not an executable; give the path of a Python with TensorFlow")


def check_writable(path: str | None) -> None:
    """Fail before measuring when the output file cannot be written, rather than after a minute of work."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--json {path} is a folder; give a file name such as {target / 'result.json'}")
    parent = target.parent if str(target.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"cannot write {path}: {probe} is a file, not a folder; choose another path")
    if not os.access(probe, os.W_OK):
        raise UsageError(f"cannot write {path}: {probe} is not writable; choose another --json path")


def check_replay(path: str) -> None:
    """A recording that cannot be played is refused here, with the line that is wrong, before the screen opens."""
    from core.telemetry.replay import load_trace

    if not Path(path).is_file():
        raise UsageError(f"--replay {path}: no such file; record one with `tocompress run --record FILE`")
    try:
        load_trace(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--replay {exc}") from None


def check_memory(
    model: str,
    compression: CompressionSpec,
    eval_limit: int | None = None,
    weights: str | None = None,
    force: bool = False,
    meminfo: str = "/proc/meminfo",
    weights_form: str = "auto",
) -> MemoryEstimate | None:
    """Refuse, in one line, a registry model whose estimated stage peak (core.run.memory_estimate) exceeds
    MemAvailable, naming both figures and what would fit; `force` skips the refusal. Returns the estimate (None
    where MemAvailable cannot be read)."""
    from core.models.registry import get_model_info, resolve_weights
    from core.run.memory_estimate import estimate_registry_model, gb, mem_available_bytes

    random_weights = resolve_weights(get_model_info(model), weights) == "random"
    available = mem_available_bytes(meminfo)
    guess = estimate_registry_model(model, compression, eval_limit, random_weights, weights_form, available)
    if available is None or force or guess.peak_bytes <= available:
        return guess
    fits = _what_fits(model, compression, eval_limit, random_weights, available)
    raise UsageError(
        f"{model} {compression} needs about {gb(guess.peak_bytes)} at its {guess.peak_stage} stage but "
        f"{gb(available)} is available (MemAvailable): {fits}, or pass --force to run it anyway"
    )


def _what_fits(
    model: str, compression: CompressionSpec, eval_limit: int | None, random_weights: bool, available: int
) -> str:
    """The first change that brings the estimate under `available`: a smaller --eval-limit, q8, else a smaller
    model."""
    from core.run.memory_estimate import estimate_registry_model

    def fits(spec: CompressionSpec, limit: int | None) -> bool:
        return estimate_registry_model(model, spec, limit, random_weights).peak_bytes <= available

    for limit in (64, 16, 4, 1):
        if (eval_limit is None or limit < eval_limit) and fits(compression, limit):
            return f"try --eval-limit {limit}"
    q8 = CompressionSpec.parse("q8")
    if compression.quant_step is None and fits(q8, eval_limit or 1):
        return "try --compress q8 (integer weights at rest)" + ("" if eval_limit else " with --eval-limit 1")
    return "choose a smaller model (tocompress models lists them)"
