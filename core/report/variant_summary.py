"""What was done to make each variant, in one line, from the blocks its run recorded (model and latency).

The result file keeps the details (quantization, pruning, fine-tuning, TFLite, session options); a reader of the
results screen or the CLI summary needs the gist beside the numbers, so a 30% slowdown is read as "8-bit weights
de-quantized every inference", not as a mystery. Older files without the blocks get what the setting name says.
"""

from __future__ import annotations

from typing import Any

from core.report.wording import short_count


def _count(n: float | None) -> str:
    """151306 -> 151k (core.report.wording.short_count), "?" where unknown."""
    return "?" if n is None else short_count(n)


def _pct(fraction: float | None) -> str:
    return "?" if fraction is None else f"{fraction * 100:.1f}%"


def quantization_words(block: dict[str, Any]) -> str:
    """`8-bit per-tensor weights, de-quantized every inference` (or `at load`)."""
    when = "at load" if block.get("dequant") == "load" else "every inference"
    return f"{block.get('bits')}-bit {block.get('granularity', 'per-tensor')} weights, de-quantized {when}"


def pruning_words(block: dict[str, Any]) -> str:
    """Form, fraction requested and achieved, layers cut, parameters and FLOPs before and after."""
    form = block.get("form", "unstructured")
    words = f"{form} pruning {_pct(block.get('fraction_requested'))} asked, {_pct(block.get('fraction_achieved'))}"
    words += " removed" if form == "structured" else " zeroed"
    if form == "structured":
        cut, left = len(block.get("layers_cut") or []), len(block.get("layers_left") or [])
        words += f", {cut} layer{'s' * (cut != 1)} cut, {left} left whole"
    words += f", params {_count(block.get('params_before'))}→{_count(block.get('params_after'))}"
    if block.get("flops_before") != block.get("flops_after"):
        words += f", FLOPs {_count(block.get('flops_before'))}→{_count(block.get('flops_after'))}"
    else:
        words += ", FLOPs unchanged"
    return words


def finetune_words(block: dict[str, Any]) -> str:
    epochs = block.get("epochs")
    return f"fine-tuned {epochs} epoch{'s' * (epochs != 1)} on {block.get('dataset')} ({block.get('samples')} samples)"


def tflite_words(block: dict[str, Any]) -> str:
    return f"TFLite {block.get('mode')} ({block.get('form')})"


def runtime_words(latency: dict[str, Any] | None) -> str | None:
    """How it ran: the TF graph session's options or the TFLite interpreter, and the threads, as recorded."""
    if not latency or not latency.get("runtime"):
        return None
    if latency.get("runtime") == "tflite":
        threads = latency.get("threads")
        count = latency.get("num_threads")
        how = f"{count} thread{'s' * (count != 1)}" + ("" if threads else " (runtime default)")
        return f"ran on {latency.get('interpreter')}, {how}"
    options = latency.get("session_options") or {}
    folding = (
        "constant folding off" if options.get("grappler_constant_folding") == "OFF" else "constant folding on"
    )
    level = options.get("graph_optimizer_opt_level")
    threads = latency.get("threads")
    pools = f"{threads} intra-op threads" if threads else "default threads"
    form = {"const": ", weights as constants", "variables": ", weights in variables"}.get(
        str(options.get("weights_form")), ""
    )
    return "ran as a TF graph" + (f", {level}" if level else "") + f", {folding}{form}, {pools}"


def what_was_done(run: dict[str, Any]) -> str:
    """One line: the variant, each compression step it recorded, and how it ran."""
    variant = str(run.get("variant"))
    model = run.get("model") or {}
    parts: list[str] = []
    if model.get("pruning"):
        parts.append(pruning_words(model["pruning"]))
    if model.get("finetune"):
        parts.append(finetune_words(model["finetune"]))
    if model.get("quantization"):
        parts.append(quantization_words(model["quantization"]))
    if model.get("tflite"):
        parts.append(tflite_words(model["tflite"]))
    if not parts:
        random = isinstance(model.get("weights"), dict) and model["weights"].get("kind") == "random"
        trained = "float32 seeded random weights" if random else "float32 weights as trained"
        parts.append(trained if variant == "baseline" else "no details recorded")
    runtime = runtime_words(run.get("latency"))
    if runtime:
        parts.append(runtime)
    if model.get("cached"):
        parts.append("artifact reused")
    return f"{variant}: " + "; ".join(parts)
