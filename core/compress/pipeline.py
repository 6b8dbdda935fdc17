"""Apply a compression setting to a Keras model and write its artifact: one entry per step kind, in a fixed order.

Order: structured pruning (the model is rebuilt smaller), fine-tuning, then the artifact: unstructured pruning and
quantization act on each weight tensor of the frozen graph in the order the setting names them (tensorcodec), or a
TFLite conversion writes a `.tflite` instead. Model-level entries live in their own modules (structured.py,
finetune.py for structured pruning and fine-tuning; tflite.py for the conversion); each returns the record that
the `model` event reports under its block name (`pruning`, `finetune`, `tflite`). A new step kind adds one entry
here and one branch in `compress_model`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.compress.writer import ArtifactInfo, save_artifact
from core.spec import CompressionSpec, Step

if TYPE_CHECKING:
    from core.compress.finetune import TrainingSet
    from core.compress.tflite import Calibration


@dataclass(frozen=True)
class StepSamples:
    """The samples the steps need, loaded by the caller (the compress stage): the training split for `:ftN`,
    calibration samples for `tflite:int8`; None where the setting does not need them."""

    training: TrainingSet | None = None
    calibration: Calibration | None = None


def needs_training(spec: CompressionSpec) -> bool:
    """Whether `spec` fine-tunes, so the caller must load a training split."""
    return bool(spec.prune_step and spec.prune_step.finetune_epochs)


def needs_calibration(spec: CompressionSpec) -> bool:
    """Whether `spec` converts to full-integer TFLite, so the caller must load calibration samples."""
    return bool(spec.tflite_step and spec.tflite_step.tflite_mode == "int8")


def structured_entry(model: Any, step: Step) -> tuple[Any, dict[str, Any]]:
    """Remove the filters/units with the smallest L1 norm and rebuild smaller layers (core.compress.structured)."""
    from core.compress.structured import apply_structured

    return apply_structured(model, step)


def finetune_entry(model: Any, step: Step, train: TrainingSet | None) -> tuple[Any, dict[str, Any]]:
    """Fine-tune after pruning on the model's training split; unstructured pruning keeps its zeros (masks)."""
    from core.compress.finetune import apply_finetune
    from core.compress.prune import unstructured_masks

    assert step.fraction is not None  # the parser sets fraction on every p step
    assert train is not None, "the caller loads the training split when needs_training(spec)"
    masks = None if step.structured else unstructured_masks(model, step.fraction)
    return apply_finetune(model, train, step.finetune_epochs, masks)


def tflite_entry(model: Any, step: Step, path: Path, calibration: Calibration | None) -> dict[str, Any]:
    """Convert to TFLite (float16, dynamic-range int8 or calibrated full int8) and write `path` (core.compress.tflite)."""
    from core.compress.tflite import compress_to_tflite

    assert step.tflite_mode is not None  # the parser sets the mode on every tflite step
    return compress_to_tflite(model, step.tflite_mode, path, calibration)


def unstructured_record(model: Any, step: Step) -> dict[str, Any]:
    """The pruning block of magnitude pruning, which the artifact applies per tensor (core.compress.prune)."""
    from core.compress.prune import unstructured_report

    assert step.fraction is not None  # the parser sets fraction on every p step
    return unstructured_report(model, step.fraction)


def apply_model_steps(
    model: Any, spec: CompressionSpec, samples: StepSamples = StepSamples()
) -> tuple[Any, dict[str, Any]]:
    """The model-level steps (structured pruning, fine-tuning) in order; the model and the blocks to report."""
    blocks: dict[str, Any] = {}
    prune = spec.prune_step
    if prune is not None:
        if prune.structured:
            model, blocks["pruning"] = structured_entry(model, prune)
        else:
            blocks["pruning"] = unstructured_record(model, prune)
        if prune.finetune_epochs:
            model, blocks["finetune"] = finetune_entry(model, prune, samples.training)
    return model, blocks


def artifact_path(workdir: str | os.PathLike[str], model_name: str, spec: CompressionSpec) -> Path:
    """`<workdir>/<model>-<slug>.tcz`, or `.tflite` for a TFLite form."""
    suffix = ".tflite" if spec.tflite_step else ".tcz"
    return Path(workdir) / f"{model_name}-{spec.slug}{suffix}"


def compress_model(
    model: Any,
    spec: CompressionSpec,
    path: Path,
    source: dict[str, Any],
    extra_blocks: dict[str, Any] | None = None,
    samples: StepSamples = StepSamples(),
) -> tuple[ArtifactInfo, dict[str, Any]]:
    """Every step of `spec` on `model` (with the `samples` they need), the artifact written to `path`; its info
    and the blocks to report (`extra_blocks`, such as the weights block, first)."""
    model, step_blocks = apply_model_steps(model, spec, samples)
    blocks = {**(extra_blocks or {}), **step_blocks}
    tflite = spec.tflite_step
    if tflite is not None:
        prune = spec.prune_step
        # The .tcz codec prunes per tensor; a .tflite needs the zeros in the model before conversion.
        if prune is not None and not prune.structured:
            from core.compress.prune import apply_masks, unstructured_masks

            assert prune.fraction is not None  # the parser sets fraction on every p step
            apply_masks(model, unstructured_masks(model, prune.fraction))
        blocks["tflite"] = tflite_entry(model, tflite, path, samples.calibration)
        weights = [np.asarray(w) for w in model.get_weights()]
        info = ArtifactInfo(
            str(path),
            os.path.getsize(path),
            int(sum(w.size for w in weights)),
            int(sum(np.count_nonzero(w) for w in weights)),
            0,
        )
        from core.compress.tflite_cache import write_tflite_record

        write_tflite_record(path, str(spec), source, info.params, info.nonzero_params, blocks)
        return info, blocks
    from core.compress.freeze import freeze_model_lean

    graph_def, inputs, outputs, values = freeze_model_lean(model)
    info = save_artifact(graph_def, inputs, outputs, spec, path, source=source, blocks=blocks, values=values)
    return info, blocks
