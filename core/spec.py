"""Compression settings as a small language (`baseline`, `q8`, `p0.25`, `q8+p0.25`) and the run spec sent to the worker.

One parser is used by the CLI, the dashboard, JSON files and file names, so a setting means the same everywhere.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

MIN_BITS = 2
MAX_BITS = 16
MIN_PRUNE = 0.0  # exclusive
MAX_PRUNE = 0.95  # inclusive; the paper sweeps 5%..75%, we allow a little beyond for exploration

PRESETS: tuple[str, ...] = ("baseline", "q16", "q8", "q6", "p0.05", "q8+p0.05")


class SpecError(ValueError):
    """A compression setting or run spec the user wrote that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Step:
    """One compression step: quantize weights to `bits`, or prune a `fraction` of them by magnitude."""

    kind: str  # "q" or "p"
    bits: int | None = None
    fraction: float | None = None

    def __str__(self) -> str:
        if self.kind == "q":
            return f"q{self.bits}"
        return f"p{self.fraction:g}"


@dataclass(frozen=True)
class CompressionSpec:
    """An ordered list of steps; empty means the uncompressed baseline."""

    steps: tuple[Step, ...] = ()

    @classmethod
    def parse(cls, text: str) -> CompressionSpec:
        """Parse `baseline`, `qN` (N in 2..16), `pF` (0 < F <= 0.95) or steps joined by `+` in the order applied."""
        raw = str(text).strip().lower()
        if raw in ("baseline", "none", ""):
            return cls(())
        steps: list[Step] = []
        for part in raw.split("+"):
            steps.append(_parse_step(part.strip(), raw))
        kinds = [s.kind for s in steps]
        if len(set(kinds)) != len(kinds):
            raise SpecError(
                f"compression {text!r} repeats a step; use each of qN and pF at most once, e.g. q8+p0.25"
            )
        return cls(tuple(steps))

    def __str__(self) -> str:
        return "+".join(str(s) for s in self.steps) if self.steps else "baseline"

    @property
    def is_baseline(self) -> bool:
        return not self.steps

    @property
    def quant_bits(self) -> int | None:
        return next((s.bits for s in self.steps if s.kind == "q"), None)

    @property
    def prune_fraction(self) -> float | None:
        return next((s.fraction for s in self.steps if s.kind == "p"), None)


_HELP = "use baseline, qN with N in 2..16 (q8), pF with 0 < F <= 0.95 (p0.25), or both joined by + (q8+p0.25)"


def _parse_step(part: str, whole: str) -> Step:
    m = re.fullmatch(r"q(\d+)", part)
    if m:
        bits = int(m.group(1))
        if not MIN_BITS <= bits <= MAX_BITS:
            raise SpecError(f"compression {whole!r}: {bits} bits is out of range; {_HELP}")
        return Step("q", bits=bits)
    m = re.fullmatch(r"p(-?\d*\.?\d+)(%?)", part)
    if m:
        value = float(m.group(1))
        fraction = value / 100 if m.group(2) else value
        if not MIN_PRUNE < fraction <= MAX_PRUNE:
            raise SpecError(
                f"compression {whole!r}: pruned fraction {value:g}{m.group(2)} is out of range; {_HELP}"
            )
        return Step("p", fraction=round(fraction, 6))
    raise SpecError(f"compression {whole!r}: cannot read {part!r}; {_HELP}")


@dataclass
class RunOptions:
    """How one variant is measured; defaults follow the paper (95% CI within 5% of the mean)."""

    ci_target_pct: float = 5.0
    min_iters: int = 30
    max_iters: int = 20000
    max_seconds: float = 20.0
    min_seconds: float = 2.0  # timed span floor: sub-ms models must not "converge" in a 20 ms burst
    warmup_iters: int = 10
    batch_size: int = 1
    trace_passes: int = 3
    eval_limit: int | None = None  # None: the whole evaluation set
    idle_seconds: float = 2.0
    repeat: int = (
        1  # worker processes per variant; >1 measures the run-to-run noise a single process cannot see
    )

    def validate(self) -> None:
        """Raise SpecError with a fix for any option a user could set wrongly."""
        if not 0 < self.ci_target_pct <= 100:
            raise SpecError(f"confidence target {self.ci_target_pct}% must be in (0, 100]; the paper uses 5")
        if self.min_iters < 2:
            raise SpecError(
                f"min iterations {self.min_iters} must be at least 2 to compute a confidence interval"
            )
        if self.max_iters < self.min_iters:
            raise SpecError(
                f"max iterations {self.max_iters} is below min iterations {self.min_iters}; raise it"
            )
        if self.max_seconds <= 0:
            raise SpecError(f"max seconds {self.max_seconds} must be positive")
        if not 0 <= self.min_seconds <= self.max_seconds:
            raise SpecError(
                f"min seconds {self.min_seconds} must be between 0 and max seconds {self.max_seconds}"
            )
        if self.warmup_iters < 0 or self.trace_passes < 0 or self.batch_size < 1:
            raise SpecError("warm-up iterations and trace passes must be >= 0 and batch size >= 1")
        if self.repeat < 1:
            raise SpecError(f"repeat {self.repeat} must be at least 1 worker process per variant")
        if self.idle_seconds < 0:
            raise SpecError(f"idle seconds {self.idle_seconds} must be >= 0")


@dataclass
class RunSpec:
    """Everything the worker needs for one variant (one model, one compression setting); sent as JSON on stdin."""

    model: str
    compression: CompressionSpec
    options: RunOptions = field(default_factory=RunOptions)
    workdir: str = "runs"  # where the worker writes the compressed artifact and its TensorFlow log
    dataset: str | None = None  # None: the model's default evaluation set

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "compression": str(self.compression),
            "options": asdict(self.options),
            "workdir": self.workdir,
            "dataset": self.dataset,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSpec:
        try:
            options = RunOptions(**data.get("options", {}))
        except TypeError as exc:
            raise SpecError(f"run spec has an unknown option: {exc}") from None
        options.validate()
        return cls(
            model=str(data["model"]),
            compression=CompressionSpec.parse(data.get("compression", "baseline")),
            options=options,
            workdir=str(data.get("workdir", "runs")),
            dataset=data.get("dataset"),
        )
