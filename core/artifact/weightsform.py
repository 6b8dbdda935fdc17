"""Where the run stage keeps a model's weights: as graph constants (fastest on oneDNN) or in variables (leanest).

Why it matters for the answer: oneDNN caches a convolution's re-ordered filter only when the filter is a graph
constant (`is_filter_const`), so with weights in variables the float baseline re-orders every filter on every
inference, like the run-time de-quantization form always does, and x86 timing no longer shows what de-quantizing
costs (ResNet50 q8 against baseline: 1.25x slower with constants, 1.02x with variables;
benchmarks/bench_dequant_filter_const.py). Why not constants always: TensorFlow's graph passes copy a GraphDef that
carries its weights, so the constant form's footprint is several times the weight bytes, which does not fit a board
for VGG16 or the NMT preset. So `auto` takes constants where they fit in what the machine has available, variables
otherwise; both variants of a comparison run in the form chosen, and the result records it with the reason.
Python 3.6-compatible (the run stage uses it).
"""

from typing import Optional, Tuple  # noqa: F401 (used by the type comments)

AUTO, CONST, VARIABLES = "auto", "const", "variables"
WEIGHTS_FORMS = (AUTO, CONST, VARIABLES)
# The constant form's footprint over the variable form's, per byte of weights in the graph: TensorFlow's passes copy
# the GraphDef, and oneDNN keeps re-ordered filters (measured on TF 2.21, benchmarks/bench_run_stage_memory.py:
# ResNet50 baseline 1,142 MiB more for 98 MiB of floats, 11.6x; q8 240 MiB more for 24.5 MiB of codes, 9.8x).
CONST_EXTRA_COPIES = 12.0
# `auto` takes constants only when their extra copies stay within this share of MemAvailable.
CONST_MEMORY_SHARE = 0.25


def mem_available_bytes(meminfo="/proc/meminfo"):
    # type: (str) -> Optional[int]
    """MemAvailable (bytes) from `meminfo`; None where the file or the field is missing (not Linux)."""
    try:
        with open(str(meminfo), encoding="ascii") as f:
            text = f.read()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def const_extra_bytes(weight_bytes):
    # type: (int) -> int
    """What the constant form adds to the variable form's footprint for `weight_bytes` of weights in the graph."""
    return int(CONST_EXTRA_COPIES * weight_bytes)


def choose_weights_form(requested, weight_bytes, available_bytes):
    # type: (str, int, Optional[int]) -> Tuple[str, str]
    """(form, why) for the `weights_form` run option: `const` or `variables` as asked, or for `auto` constants
    when their extra copies fit in a quarter of what is available, else variables."""
    if requested == CONST:
        return CONST, "asked for (--weights-form const)"
    if requested == VARIABLES:
        return VARIABLES, "asked for (--weights-form variables)"
    extra = const_extra_bytes(weight_bytes)
    if available_bytes is None:
        return VARIABLES, "auto: available memory unknown here, so the lean form"
    gib = float(2**30)
    if extra <= CONST_MEMORY_SHARE * available_bytes:
        return (
            CONST,
            f"auto: constants' extra copies (~{extra / gib:.1f} GiB) fit in a quarter of {available_bytes / gib:.1f} GiB available",
        )
    return (
        VARIABLES,
        f"auto: constants' extra copies (~{extra / gib:.1f} GiB) would not fit in a quarter of {available_bytes / gib:.1f} GiB available",
    )
