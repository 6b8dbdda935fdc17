"""The settings of a sweep: comma lists with ranges (`p0.05..0.75/0.05`, `q2..8/2`, `q8+p0.05..0.25/0.05`) and
the paper's grid, expanded into canonical settings of core.spec's language.

Ranges use decimal arithmetic so `0.05..0.75/0.05` yields 0.15, not 0.15000000000000002.
"""

from __future__ import annotations

import re
import shlex
from decimal import Decimal, InvalidOperation
from itertools import product

from core.spec import CompressionSpec, SpecError

# The paper's grid: 16/8/6-bit quantization, pruning 5%..75% (in 5% steps, our reading of "5% to 75%"), and
# quantize-then-prune at 5%. The baseline is measured once per model anyway.
PAPER_SETTINGS = "q16,q8,q6,p0.05..0.75/0.05,q8+p0.05"

_RANGE = re.compile(r"^(q|p)([0-9.]+%?)\.\.([0-9.]+%?)(?:/([0-9.]+%?))?((?::[a-z0-9]+)*)$")
MAX_POINTS_PER_RANGE = 200


def _number(text: str, where: str) -> Decimal:
    try:
        return Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise SpecError(f"{where}: {text!r} is not a number") from None


def expand_step(text: str) -> list[str]:
    """One step, maybe a range (`q2..8/2:load`), as the list of plain steps it stands for."""
    m = _RANGE.match(text.strip())
    if m is None:
        return [text.strip()]
    head, lo_t, hi_t, step_t, opts = m.groups()
    lo, hi = _number(lo_t, text), _number(hi_t, text)
    step = _number(step_t, text) if step_t else (Decimal(1) if head == "q" else Decimal("0.05"))
    if step <= 0 or hi < lo:
        raise SpecError(f"range {text}: write low..high/step with low <= high and step > 0, e.g. q2..8/2")
    if (hi - lo) / step > MAX_POINTS_PER_RANGE:
        raise SpecError(f"range {text} has over {MAX_POINTS_PER_RANGE} points; use a larger step")
    values, v = [], lo
    while v <= hi:
        values.append(v)
        v += step
    return [f"{head}{_plain(x, head)}{opts}" for x in values]


def _plain(x: Decimal, head: str) -> str:
    """`8` for bits, `0.15` for fractions (no exponent, no trailing zeros)."""
    return str(int(x)) if head == "q" else format(x.normalize(), "f")


def expand_settings(text: str) -> list[CompressionSpec]:
    """A comma list of settings and ranges as canonical settings, duplicates dropped, order kept.

    `paper` inside the list stands for PAPER_SETTINGS; each `+` step may be a range (the product is taken).
    """
    items = [part.strip() for part in text.replace(" ", "").split(",") if part.strip()]
    if not items:
        raise SpecError("no settings given; e.g. --settings q16,q8,q6 or --paper")
    seen: dict[str, CompressionSpec] = {}
    for item in items:
        if item.lower() == "paper":
            for spec in expand_settings(PAPER_SETTINGS):
                seen.setdefault(str(spec), spec)
            continue
        choices = [expand_step(step) for step in item.lower().split("+")]
        for combo in product(*choices):
            spec = CompressionSpec.parse("+".join(combo))
            seen.setdefault(str(spec), spec)
    return list(seen.values())


def settings_around(setting: str) -> list[str]:
    """A small sweep around a checked setting, for the results screen's sweep command.

    q-settings get the paper's 16/8/6 bits plus the setting and its de-quantize-at-load form; p-settings get half
    and double the fraction (capped at 0.75); combined settings get each part alone plus the whole.
    """
    spec = CompressionSpec.parse(setting)
    out: list[str] = []
    steps = spec.steps
    if not steps:
        return ["q16", "q8", "q6"]
    if len(steps) > 1:
        out += [str(s) for s in steps]
    for step in steps:
        if step.kind == "q":
            out += ["q16", "q8", "q6", str(step), f"q{step.bits}:load"]
        elif step.kind == "p" and step.fraction is not None:
            f = step.fraction
            out += [f"p{round(f / 2, 4):g}", str(step), f"p{round(min(f * 2, 0.75), 4):g}"]
        else:
            out.append(str(step))
    out.append(str(spec))
    canon: dict[str, None] = {}
    for text in out:
        canon.setdefault(str(CompressionSpec.parse(text)), None)
    return list(canon)


def sweep_command_for(model: str, setting: str, out: str | None = None) -> str:
    """The sweep command for `model` around `setting`, as the results screen offers it."""
    settings = ",".join(settings_around(str(CompressionSpec.parse(setting))))
    out = out or f"{model}-sweep.jsonl"
    return f"tocompress sweep --model {shlex.quote(model)} --settings {shlex.quote(settings)} --out {shlex.quote(out)}"
