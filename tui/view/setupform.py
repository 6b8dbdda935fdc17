"""The setup screen's pure parts: the model table's rows, the run-option form's fields and parsing, and the
setting helpers (describe, swap order) — kept apart from the Textual screen so the CLI listing and tests use them.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, NamedTuple

from rich.text import Text

from core.runspec import RunOptions
from core.spec import CompressionSpec, SpecError


class ModelRow(NamedTuple):
    """A registry entry with whether it can run here and why (computed once, on the App side)."""

    info: Any  # core.models.registry.ModelInfo
    available: bool
    reason: str
    weights: str = ""  # core.models.catalog.weights_status: shipped, pretrained, random, user file, none
    missing: str = ""  # what to get for pretrained weights, "" when nothing is
    model_args: dict[str, Any] | None = None  # a model the user brings (core.models.user_model)


def missing_cell(missing: str) -> str:
    """The table's short form: "fetch" where `tocompress fetch` gets the file (the detail names it)."""
    return "fetch" if missing.startswith("fetch: ") else missing


def catalog_rows(model_args: dict[str, Any] | None = None) -> list[ModelRow]:
    """Every registered model (and the user's file, last) with whether it runs here, its weights source and what
    is missing for pretrained weights; a model without its file runs with seeded random weights."""
    from core.models.catalog import user_model_info, weights_status
    from core.models.registry import availability, list_models

    rows = []
    for info in list_models():
        source, missing = weights_status(info)
        ok, reason = availability(info, "random" if source == "random" else None)
        rows.append(ModelRow(info, ok, reason, source, missing))
    if model_args:
        info = user_model_info(model_args)
        rows.append(ModelRow(info, True, f"user file {model_args['path']}", "user file", "", model_args))
    return rows


# (RunOptions field, label, parse) for the option inputs, in screen order.
OPTION_FIELDS: tuple[tuple[str, str, type], ...] = (
    ("ci_target_pct", "CI target %", float),
    ("min_iters", "min iterations", int),
    ("max_iters", "max iterations", int),
    ("min_seconds", "min seconds", float),
    ("max_seconds", "max seconds", float),
    ("idle_seconds", "idle seconds", float),
    ("repeat", "processes each", int),
    ("eval_limit", "eval samples", int),
    ("threads", "threads", int),
)
# Options that may be left empty: None means the whole set (eval_limit) or the runtime's default (threads).
OPTIONAL_FIELDS = ("eval_limit", "threads")
PLACEHOLDERS = {"threads": "default"}


def describe_spec(spec: CompressionSpec) -> str:
    """The setting in words, steps in the order applied."""
    if spec.is_baseline:
        return "no compression: measures the baseline only"
    words = []
    for step in spec.steps:
        if step.kind == "q":
            words.append(f"quantize weights to {step.bits} bits")
        else:
            words.append(f"prune {step.fraction * 100:g}% of weights by magnitude")
    return "; then ".join(words) + "; compared against the baseline"


def swap_order(spec: CompressionSpec) -> CompressionSpec:
    """q8+p0.05 <-> p0.05+q8; the paper quantizes first, but the order changes what survives pruning."""
    return CompressionSpec(tuple(reversed(spec.steps)))


def parse_options(values: dict[str, str], base: RunOptions) -> RunOptions:
    """RunOptions from the option inputs' text, raising SpecError with one line naming the bad field."""
    kwargs: dict[str, Any] = {f.name: getattr(base, f.name) for f in fields(RunOptions)}
    for name, label, kind in OPTION_FIELDS:
        raw = values.get(name, "").strip()
        if not raw and name in OPTIONAL_FIELDS:
            kwargs[name] = None
            continue
        try:
            kwargs[name] = kind(raw)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise SpecError(f"{label}: {raw!r} is not {what}") from None
    options = RunOptions(**kwargs)
    options.validate()
    if options.eval_limit is not None and options.eval_limit < 1:
        raise SpecError(f"eval samples {options.eval_limit} must be at least 1, or empty for the whole set")
    return options


def option_text(value: float | None) -> str:
    """An option as typed: whole numbers in full (2000000, not 2e+06), other numbers as short as exact."""
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:g}"


def sensor_lines(statuses: list[Any] | None) -> Text:
    """One line per source: ✓/✗, its name, and what it found or why it is not there."""
    if statuses is None:
        return Text("probing sensors…", style="dim")
    text = Text()
    for i, status in enumerate(statuses):
        if i:
            text.append("\n")
        ok = bool(status.available)
        text.append("✓ " if ok else "✗ ", style="green" if ok else "red")
        text.append(f"{status.name:<12}", style="bold" if ok else "dim bold")
        text.append(str(status.reason), style="" if ok else "dim")
    return text


def memory_text(name: str, spec: CompressionSpec, eval_limit: int | None, random_weights: bool) -> Text:
    """The setup screen's memory line: each stage's estimated peak (core.run.memory_estimate) for this model and
    setting, in yellow with what is available when it does not fit."""
    from core.run.memory_estimate import estimate_registry_model, gb, mem_available_bytes

    available = mem_available_bytes()
    guess = estimate_registry_model(name, spec, eval_limit, random_weights, available_bytes=available)
    text = Text(f"memory: {guess.describe()} (estimate, {spec})", style="dim")
    if available is not None and guess.peak_bytes > available:
        text.append(f"\n  more than the {gb(available)} available: try --eval-limit or qN", style="yellow")
    return text
