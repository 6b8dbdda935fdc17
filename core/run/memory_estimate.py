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
from pathlib import Path

from core.spec import CompressionSpec

MIB = 2**20
RUN_BASE_BYTES = (
    660 * MIB
)  # a run-stage worker once TensorFlow is imported and a session exists (631-650 MiB)
COMPRESS_BASE_BYTES = 720 * MIB  # a compress-stage worker with TensorFlow and Keras imported
COMPRESS_FLOAT_COPIES = (
    2.5  # float copies of the model the compress stage holds at its peak (issue 10's target)
)
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

    @property
    def peak_bytes(self) -> int:
        return max(self.compress_peak_bytes, self.run_peak_bytes)

    @property
    def peak_stage(self) -> str:
        return "compress" if self.compress_peak_bytes >= self.run_peak_bytes else "run"

    def describe(self) -> str:
        """`run ~1.2 GB, compress ~2.1 GB` for a status line."""
        return f"run ~{gb(self.run_peak_bytes)}, compress ~{gb(self.compress_peak_bytes)}"


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
) -> MemoryEstimate:
    """The estimate for a model of `params` float32 parameters under `spec`; `input_elems` per sample and
    `batch_samples` (the largest batch: evaluation's) size the activations."""
    float_bytes = 4 * params
    largest = 4 * (largest_layer_params or int(params * LARGEST_LAYER_SHARE))
    prune = spec.prune_step
    kept = 1.0 - (prune.fraction or 0.0) if prune is not None and prune.structured else 1.0
    quant = spec.quant_step
    if spec.tflite_step is not None:
        weights, transient = float_bytes * kept, 0
    elif quant is not None and quant.dequant == "runtime" and quant.bits is not None:
        weights = params * kept * (1 if quant.bits <= 8 else 2)
        transient = int(largest * kept)
    else:
        weights, transient = float_bytes * kept * RUN_FLOAT_COPIES, 16 * MIB
    if translation:
        activations = batch_samples * TRANSLATION_SAMPLE_BYTES
    else:
        activations = int(batch_samples * input_elems * 4 * ACTIVATION_RATIO)
    return MemoryEstimate(
        compress_peak_bytes=int(COMPRESS_BASE_BYTES + COMPRESS_FLOAT_COPIES * float_bytes),
        run_peak_bytes=int(RUN_BASE_BYTES + weights + transient + activations),
        weights_bytes=int(weights),
        transient_bytes=int(transient),
        activations_bytes=int(activations),
    )


def estimate_registry_model(
    name: str, spec: CompressionSpec, eval_limit: int | None = None, random_weights: bool = True
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
    )


def mem_available_bytes(meminfo: str | Path = "/proc/meminfo") -> int | None:
    """MemAvailable (bytes) from `meminfo`; None where the file or the field is missing (not Linux)."""
    try:
        text = Path(meminfo).read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


__all__ = ["MemoryEstimate", "estimate", "estimate_registry_model", "gb", "mem_available_bytes"]
