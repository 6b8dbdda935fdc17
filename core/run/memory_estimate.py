"""Each worker stage's peak memory, estimated before a run from the model's size and the setting's form.

The run stage holds TensorFlow itself, the weights once (core.artifact.graph_build loads them into variables:
float32 for baseline, `qN:load` and pruned forms, integer codes for run-time de-quantization, plus one layer's
floats while it is de-quantized), and the activations of the largest batch it runs (evaluation batches of up to
EVAL_BATCH samples). The compress stage holds TensorFlow with Keras and a few float copies of the model while it
freezes and writes it. The constants were measured on this project's benchmarks (benchmarks/bench_run_stage_memory.py
and bench_compress_memory.py, TF 2.21 on x86-64); on a Jetson the GPU's allocations come from the same RAM, so the
figures compare with MemAvailable there too. An estimate, not a promise: tocompress's pre-flight check refuses a run
only when the estimate exceeds what is available (`--force` runs it anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.artifact.weightsform import (
    AUTO,
    CONST,
    VARIABLES,
    choose_weights_form,
    const_extra_bytes,
    mem_available_bytes,
)
from core.spec import CompressionSpec

MIB = 2**20
# A run-stage worker once TensorFlow is imported and a session exists: 510-650 MiB measured, the spread being how
# many of TensorFlow's shared-library pages are in the page cache (RSS counts them only when mapped); the middle.
RUN_BASE_BYTES = 590 * MIB
# A compress-stage worker with TensorFlow and Keras imported (600-720 MiB, spread as above).
COMPRESS_BASE_BYTES = 660 * MIB
# Float copies of the model the compress stage holds at its peak (issue 10's target).
COMPRESS_FLOAT_COPIES = 2.5
RUN_FLOAT_COPIES = 1.1  # the variables, and allocator slack around the slices they are filled from
EVAL_BATCH = 256  # core.worker.runner's evaluation batch
SYNTHETIC_SAMPLES = 32  # core.worker.compress_stage: seeded random inputs for random weights
ACTIVATION_RATIO = 40.0  # float32 activations alive per input element, per sample, at a CNN's widest layers
TRANSLATION_SAMPLE_BYTES = 4 * MIB  # per sentence: LSTM states, attention and logits over the vocabulary
# The largest single weight of registry models whose largest layer is far from a typical share (parameters).
LARGEST_LAYER_PARAMS = {
    "vgg16": 25088 * 4096,
    "vgg19": 25088 * 4096,
    "resnet50": 3 * 3 * 512 * 512,
    "resnet101": 3 * 3 * 512 * 512,
    "resnet152": 3 * 3 * 512 * 512,
    "nmt": 36549 * 1024,
}
LARGEST_LAYER_SHARE = 0.25  # otherwise: a quarter of the parameters in one layer (a cautious guess)


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak RSS of each worker stage (bytes) and the run stage's parts."""

    compress_peak_bytes: int
    run_peak_bytes: int
    weights_bytes: int  # resident in the run stage: floats, or integer codes
    transient_bytes: int  # one layer's floats being de-quantized, or the slice a variable is filled from
    activations_bytes: int  # the largest batch's activations
    weights_form: str = VARIABLES  # where the run stage will keep the weights (core.artifact.weightsform)
    const_extra_bytes: int = (
        0  # what graph constants add: TensorFlow's copies of a GraphDef holding the weights
    )

    @property
    def peak_bytes(self) -> int:
        return max(self.compress_peak_bytes, self.run_peak_bytes)

    @property
    def peak_stage(self) -> str:
        return "compress" if self.compress_peak_bytes >= self.run_peak_bytes else "run"

    def describe(self) -> str:
        """`run ~1.2 GB, compress ~2.1 GB` for a status line."""
        form = " (weights as constants)" if self.weights_form == CONST else ""
        return f"run ~{gb(self.run_peak_bytes)}{form}, compress ~{gb(self.compress_peak_bytes)}"


def gb(size_bytes: float) -> str:
    return f"{size_bytes / 1e9:.1f} GB"


def estimate(
    params: int,
    spec: CompressionSpec,
    *,
    largest_layer_params: int | None = None,
    input_elems: int = 0,
    batch_samples: int = SYNTHETIC_SAMPLES,
    translation: bool = False,
    weights_form: str = AUTO,
    available_bytes: int | None = None,
) -> MemoryEstimate:
    """The estimate for a model of `params` float32 parameters under `spec`; `input_elems` per sample and
    `batch_samples` (the largest batch: evaluation's) size the activations. The run stage's weights form is the one
    the worker will choose with `available_bytes` (its `auto` rule)."""
    float_bytes = 4 * params
    largest = 4 * (largest_layer_params or int(params * LARGEST_LAYER_SHARE))
    prune = spec.prune_step
    kept = 1.0 - (prune.fraction or 0.0) if prune is not None and prune.structured else 1.0
    quant = spec.quant_step
    if spec.tflite_step is not None:
        graph_bytes, weights, transient = 0, float_bytes * kept, 0  # the interpreter holds its own weights
    elif quant is not None and quant.dequant == "runtime" and quant.bits is not None:
        graph_bytes = int(params * kept * (1 if quant.bits <= 8 else 2))
        weights, transient = graph_bytes, int(largest * kept)
    else:
        graph_bytes = int(float_bytes * kept)
        weights, transient = graph_bytes * RUN_FLOAT_COPIES, 16 * MIB
    if translation:
        activations = batch_samples * TRANSLATION_SAMPLE_BYTES
    else:
        activations = int(batch_samples * input_elems * 4 * ACTIVATION_RATIO)
    form, extra = VARIABLES, 0
    if spec.tflite_step is None:
        form = choose_weights_form(weights_form, graph_bytes, available_bytes)[0]
        extra = const_extra_bytes(graph_bytes) if form == CONST else 0
    return MemoryEstimate(
        compress_peak_bytes=int(COMPRESS_BASE_BYTES + COMPRESS_FLOAT_COPIES * float_bytes),
        run_peak_bytes=int(RUN_BASE_BYTES + weights + transient + activations + extra),
        weights_bytes=int(weights),
        transient_bytes=int(transient),
        activations_bytes=int(activations),
        weights_form=form,
        const_extra_bytes=extra,
    )


def estimate_registry_model(
    name: str,
    spec: CompressionSpec,
    eval_limit: int | None = None,
    random_weights: bool = True,
    weights_form: str = AUTO,
    available_bytes: int | None = None,
) -> MemoryEstimate:
    """The estimate for a registry model: its parameter count, input size, and the evaluation batch it will run
    (32 seeded random samples with random weights, else up to EVAL_BATCH of its set, cut by `eval_limit`)."""
    from core.models.registry import get_model_info

    info = get_model_info(name)
    input_elems = 1
    for d in info.input_shape:
        input_elems *= int(d or 1)
    translation = info.task == "translation"
    samples = SYNTHETIC_SAMPLES if random_weights and not translation else EVAL_BATCH
    if eval_limit:
        samples = min(samples, eval_limit)
    return estimate(
        int(info.params or 0),
        spec,
        largest_layer_params=LARGEST_LAYER_PARAMS.get(info.name),
        input_elems=input_elems,
        batch_samples=min(samples, EVAL_BATCH),
        translation=translation,
        weights_form=weights_form,
        available_bytes=available_bytes,
    )


__all__ = ["MemoryEstimate", "estimate", "estimate_registry_model", "gb", "mem_available_bytes"]
