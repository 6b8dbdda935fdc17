"""Compression settings as a small language (`baseline`, `q8`, `q8:load:ch`, `p0.5:filters:ft3`, `tflite:int8`,
`q8+p0.05`).

One parser is used by the CLI, the dashboard, JSON files and file names, so a setting means the same everywhere.
Grammar: steps joined by `+` in the order applied; each step is a head and `:`-options.
  qN[:load][:ch]        quantize weights to N bits (2..16); run-time de-quantization unless `:load`; `:ch` per channel
  pF[:filters][:ftN]    prune F (0 < F <= 0.95, or `p25%`); magnitude zeros unless `:filters`; fine-tune N epochs
  tflite:fp16|dyn8|int8 TFLite conversion, always the last step, never with qN
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.errors import UserError

MIN_BITS = 2
MAX_BITS = 16
MIN_PRUNE = 0.0  # exclusive
MAX_PRUNE = 0.95  # inclusive; the paper sweeps 5%..75%, we allow a little beyond for exploration
MAX_FINETUNE_EPOCHS = 1000
TFLITE_MODES = ("fp16", "dyn8", "int8")
DEQUANT_FORMS = ("runtime", "load")
RUNTIMES = ("tf-graph", "tflite")
STAGES = ("compress", "run")

# The whole language in one paragraph, for `--compress` help (the module docstring has the grammar).
SETTING_HELP = (
    "baseline; qN: weights to N bits (2..16), de-quantized at run time, qN:load at load, qN:ch per output "
    "channel; pF: prune fraction F (0 < F <= 0.95) by magnitude, pF:filters whole filters, pF:ftN then fine-tune "
    "N epochs; tflite:fp16, tflite:dyn8, tflite:int8: a TFLite form (last step, never with qN); steps join with + "
    "in the order applied (q8+p0.25)"
)

# Dashboard keys 0-9 in order: the paper's set first, then the modern forms.
PRESETS: tuple[str, ...] = (
    "baseline",
    "q16",
    "q8",
    "q6",
    "p0.05",
    "q8+p0.05",
    "q8:load",
    "p0.5:filters:ft3",
    "tflite:int8",
)


class SpecError(UserError, ValueError):
    """A compression setting or run spec the user wrote that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Step:
    """One compression step: quantize (`q`), prune (`p`) or convert to TFLite (`tflite`), with its options.

    Fields that do not apply to a step's kind keep their defaults, so equal settings compare equal.
    """

    kind: str  # "q", "p" or "tflite"
    bits: int | None = None
    fraction: float | None = None
    per_channel: bool = False  # q: one scale per output channel instead of one per tensor
    dequant: str = "runtime"  # q: "runtime" (integer weights + de-quantize op every inference) or "load"
    structured: bool = False  # p: remove whole filters/units (smallest L1 norm) instead of zeroing weights
    finetune_epochs: int = 0  # p: epochs of fine-tuning after pruning (0 = none)
    tflite_mode: str | None = None  # tflite: "fp16", "dyn8" or "int8"

    def __str__(self) -> str:
        if self.kind == "q":
            return (
                f"q{self.bits}"
                + (":load" if self.dequant == "load" else "")
                + (":ch" if self.per_channel else "")
            )
        if self.kind == "p":
            head = f"p{self.fraction:g}"
            return (
                head
                + (":filters" if self.structured else "")
                + (f":ft{self.finetune_epochs}" if self.finetune_epochs else "")
            )
        return f"tflite:{self.tflite_mode}"

    def describe(self) -> str:
        """The step in words, for the dashboard."""
        if self.kind == "q":
            when = "de-quantized at load" if self.dequant == "load" else "de-quantized at run time"
            scales = "per-channel" if self.per_channel else "per-tensor"
            return f"quantize weights to {self.bits} bits ({scales} scales, {when})"
        if self.kind == "p":
            assert self.fraction is not None  # the parser sets fraction on every p step
            how = (
                "of parameters as whole filters/units (L1)" if self.structured else "of weights by magnitude"
            )
            tune = f", then fine-tune {self.finetune_epochs} epochs" if self.finetune_epochs else ""
            return f"prune {self.fraction * 100:g}% {how}{tune}"
        words = {"fp16": "float16 weights", "dyn8": "dynamic-range int8", "int8": "full-integer int8"}
        return f"convert to TFLite ({words.get(self.tflite_mode or '', self.tflite_mode)})"


@dataclass(frozen=True)
class CompressionSpec:
    """An ordered list of steps; empty means the uncompressed baseline."""

    steps: tuple[Step, ...] = ()

    @classmethod
    def parse(cls, text: str) -> CompressionSpec:
        """Parse a setting in the grammar of this module's docstring; raise SpecError with one line on a bad one."""
        raw = str(text).strip().lower()
        if raw in ("baseline", "none", ""):
            return cls(())
        steps = tuple(_parse_step(part.strip(), raw) for part in raw.split("+"))
        _check_combination(steps, raw)
        return cls(steps)

    def __str__(self) -> str:
        return "+".join(str(s) for s in self.steps) if self.steps else "baseline"

    @property
    def slug(self) -> str:
        """A file-name-safe form of the canonical string: `q8:ch+p0.05` -> `q8-ch_p0.05`."""
        return str(self).replace("+", "_").replace(":", "-")

    @property
    def is_baseline(self) -> bool:
        return not self.steps

    def _step(self, kind: str) -> Step | None:
        return next((s for s in self.steps if s.kind == kind), None)

    @property
    def quant_step(self) -> Step | None:
        return self._step("q")

    @property
    def prune_step(self) -> Step | None:
        return self._step("p")

    @property
    def tflite_step(self) -> Step | None:
        return self._step("tflite")

    @property
    def runtime(self) -> str:
        """What executes the compressed model: a TensorFlow graph, or the TFLite (LiteRT) interpreter."""
        return "tflite" if self.tflite_step else "tf-graph"


_HELP = (
    "use baseline, qN[:load][:ch] with N in 2..16 (q8), pF[:filters][:ftN] with 0 < F <= 0.95 (p0.25), "
    "tflite:fp16|dyn8|int8, or steps joined by + (q8+p0.25)"
)
_Q_OPTIONS = {"load": ("dequant", "load"), "ch": ("per_channel", True)}


def _parse_step(part: str, whole: str) -> Step:
    head, *options = part.split(":")
    if head == "tflite":
        if len(options) != 1 or options[0] not in TFLITE_MODES:
            raise SpecError(
                f"compression {whole!r}: {part!r} needs one mode; use tflite:fp16, tflite:dyn8 or tflite:int8"
            )
        return Step("tflite", tflite_mode=options[0])
    m = re.fullmatch(r"q(\d+)", head)
    if m:
        bits = int(m.group(1))
        if not MIN_BITS <= bits <= MAX_BITS:
            raise SpecError(f"compression {whole!r}: {bits} bits is out of range; {_HELP}")
        fields: dict[str, Any] = {}
        for option in options:
            if option not in _Q_OPTIONS:
                raise SpecError(
                    f"compression {whole!r}: unknown option {option!r} of {head}; use {head}:load and/or {head}:ch"
                )
            name, value = _Q_OPTIONS[option]
            if name in fields:
                raise SpecError(
                    f"compression {whole!r}: {head} repeats :{option}; write it once, e.g. q8:load:ch"
                )
            fields[name] = value
        return Step("q", bits=bits, **fields)
    m = re.fullmatch(r"p(-?\d*\.?\d+)(%?)", head)
    if m:
        value = float(m.group(1))
        fraction = value / 100 if m.group(2) else value
        if not MIN_PRUNE < fraction <= MAX_PRUNE:
            raise SpecError(
                f"compression {whole!r}: pruned fraction {value:g}{m.group(2)} is out of range; {_HELP}"
            )
        return Step("p", fraction=round(fraction, 6), **_prune_options(head, options, whole))
    raise SpecError(f"compression {whole!r}: cannot read {part!r}; {_HELP}")


def _prune_options(head: str, options: list[str], whole: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for option in options:
        ft = re.fullmatch(r"ft(\d+)", option)
        value: Any
        if option == "filters":
            name, value = "structured", True
        elif ft:
            name, value = "finetune_epochs", int(ft.group(1))
            if not 1 <= value <= MAX_FINETUNE_EPOCHS:
                raise SpecError(
                    f"compression {whole!r}: {value} fine-tuning epochs is out of range; use :ft1 to "
                    f":ft{MAX_FINETUNE_EPOCHS}, or leave :ftN out for none"
                )
        else:
            raise SpecError(
                f"compression {whole!r}: unknown option {option!r} of {head}; use {head}:filters and/or {head}:ft3"
            )
        if name in fields:
            raise SpecError(
                f"compression {whole!r}: {head} repeats :{option}; write it once, e.g. p0.5:filters:ft3"
            )
        fields[name] = value
    return fields


def _check_combination(steps: tuple[Step, ...], whole: str) -> None:
    """Reject settings that cannot be carried out, each with the order or step that would work."""
    kinds = [s.kind for s in steps]
    if len(set(kinds)) != len(kinds):
        raise SpecError(
            f"compression {whole!r} repeats a step; use each of qN, pF and tflite at most once, e.g. q8+p0.25"
        )
    if "q" in kinds and "tflite" in kinds:
        raise SpecError(
            f"compression {whole!r}: qN and tflite:* cannot be combined (a TFLite conversion quantizes by itself); "
            "use tflite:dyn8 or tflite:int8, e.g. p0.25+tflite:int8"
        )
    if "tflite" in kinds and kinds[-1] != "tflite":
        after = steps[kinds.index("tflite") + 1]
        what = "structured pruning" if after.structured else "pruning" if after.kind == "p" else str(after)
        raise SpecError(
            f"compression {whole!r}: {what} after a TFLite conversion is impossible; put pF before tflite, "
            "e.g. p0.5:filters+tflite:int8"
        )
    prune = next((s for s in steps if s.kind == "p"), None)
    if prune is not None and "q" in kinds and kinds.index("q") < kinds.index("p"):
        if prune.structured:
            raise SpecError(
                f"compression {whole!r}: structured pruning after quantization is not supported; "
                "prune filters first, e.g. p0.5:filters+q8"
            )
        if prune.finetune_epochs:
            raise SpecError(
                f"compression {whole!r}: fine-tuning after quantization would undo it; "
                "prune and fine-tune first, e.g. p0.25:ft3+q8"
            )
