"""The compress stage: load the model, apply the setting's steps, write the artifact and the evaluation samples.

Runs with modern TensorFlow and Keras (the dashboard's own Python unless `compress_python` says otherwise), emits
`hello` and one `model` event (params, nonzero_params, size_bytes, artifact and the blocks that apply:
quantization, pruning, finetune, tflite, cached), then exits; the run stage measures what it wrote. An existing
artifact whose recorded setting and source match is reused (`"cached": true`).
"""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.artifact.container import ArtifactError
from core.runspec import RunSpec
from core.samples.evaldata import EvalData, decode_progress, eval_data_path, save_eval_data
from core.spec import SpecError

NMT_CODE = Path(__file__).parents[1] / "models" / "nmt.py"

if TYPE_CHECKING:
    from core.compress.pipeline import StepSamples


def compress_stage(data: dict[str, Any], emit: Callable[..., None], phase: Callable[[str], None]) -> str:
    """Write the artifact of the spec JSON `data` (or reuse a matching one) and the evaluation samples; the
    artifact's path."""
    import keras
    import tensorflow as tf

    from core.compress.pipeline import artifact_path, compress_model
    from core.compress.writer import read_artifact_header
    from core.models.builders import load_model

    try:
        spec = RunSpec.from_json(data)
    except (KeyError, TypeError) as exc:
        raise SpecError(
            f"worker got an unreadable run spec ({exc}); it expects the JSON of core.runspec.RunSpec"
        ) from None
    devices = tf.config.list_physical_devices()
    emit(
        "hello",
        pid=os.getpid(),
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        backend="gpu" if any(d.device_type == "GPU" for d in devices) else "cpu",
        devices=[d.name for d in devices],
        spec=spec.to_json(),
        stage="compress",
    )
    phase("load")
    if spec.model_args:  # a model the user brings (core.worker.user_compress)
        from core.worker.user_compress import compress_user_model

        return compress_user_model(spec, data, emit, phase)
    variant = str(spec.compression)
    path = artifact_path(spec.workdir, spec.model, spec.compression)
    source = _source(spec, keras.__version__, tf.__version__)
    _write_eval_data(spec, data, emit)
    header = _cached_header(path, variant, source, read_artifact_header)
    if header is not None:
        emit("model", variant=variant, **_model_fields(header, path), cached=True)
        return str(path)
    weights = weights_block(spec)
    model = load_model(spec.model, spec.weights)
    phase("compress")
    samples = _step_samples(spec, tuple(model.input_shape[1:]))
    info, blocks = compress_model(model, spec.compression, path, source, {"weights": weights}, samples)
    del model  # the artifact holds everything now
    emit(
        "model",
        variant=variant,
        params=info.params,
        nonzero_params=info.nonzero_params,
        size_bytes=info.size_bytes,
        artifact=info.path,
        cached=False,
        **({"quantization": info.quantization} if info.quantization else {}),
        **blocks,
    )
    return info.path


def _step_samples(spec: RunSpec, input_shape: tuple[int, ...]) -> StepSamples:
    """What the setting's steps need, loaded here so core/compress never loads data: the training split for
    `:ftN` (DatasetError, one line, where there is none), calibration samples for `tflite:int8`."""
    from core.compress.pipeline import StepSamples, needs_calibration, needs_training
    from core.compress.tflite import Calibration
    from core.data.stage_samples import calibration_samples, training_samples

    setting = spec.compression
    training = training_samples(spec.model) if needs_training(setting) else None
    calibration = (
        Calibration(*calibration_samples(spec.model, input_shape)) if needs_calibration(setting) else None
    )
    return StepSamples(training, calibration)


def weights_block(spec: RunSpec) -> dict[str, Any]:
    """The `weights` block of the model event: {"kind": "random", "seed"} or {"kind": "pretrained", "file",
    "sha256"}, so no result can be mistaken for the other kind."""
    from core.atomic import file_digest
    from core.models.registry import RANDOM_SEED

    if spec.weights == "random":
        return {"kind": "random", "seed": RANDOM_SEED}
    file = _weights_file(spec)
    if file is None or not file.is_file():
        return {"kind": "pretrained", "file": None, "sha256": None}
    return {"kind": "pretrained", "file": str(file), "sha256": file_digest(file)}


def _weights_file(spec: RunSpec) -> Path | None:
    from core.models.registry import (
        DIGITS_CNN,
        DIGITS_CNN_FILE,
        NMT_DEMO,
        NMT_DEMO_FILE,
        find_weights,
        get_model_info,
    )
    from core.paths import assets_dir

    info = get_model_info(spec.model)
    if info.name == NMT_DEMO:
        return assets_dir().joinpath(*NMT_DEMO_FILE)
    return assets_dir().joinpath(*DIGITS_CNN_FILE) if info.name == DIGITS_CNN else find_weights(info)


def _source(spec: RunSpec, keras_version: str, tf_version: str) -> dict[str, Any]:
    """What the artifact is made from: a cached artifact is reused only if all of this matches."""
    from core.models.registry import RANDOM_SEED, get_model_info

    info = get_model_info(spec.model)
    if spec.weights == "random":
        return {
            "model": info.name,
            "weights": f"random (seed {RANDOM_SEED})",
            "keras": keras_version,
            "tensorflow": tf_version,
            **_code(info.builder),
        }
    file = _weights_file(spec)
    stat = file.stat() if file is not None and file.is_file() else None
    return {
        "model": info.name,
        "weights": str(file) if file else None,
        "weights_bytes": stat.st_size if stat else None,
        "weights_mtime_ns": stat.st_mtime_ns if stat else None,
        "keras": keras_version,
        "tensorflow": tf_version,
        **_code(info.builder),
    }


def _code(builder: str | None) -> dict[str, str]:
    """The translation models' graph is this checkout's layer code (core.models.nmt), not the weights file's: its
    digest joins the source, so a changed decoder is compressed again instead of reusing an old artifact."""
    if builder != "nmt":
        return {}
    return {"code_sha256": hashlib.sha256(NMT_CODE.read_bytes()).hexdigest()}


def _cached_header(path: Path, variant: str, source: dict[str, Any], read: Callable[[Any], Any]) -> Any:
    """The header of an existing artifact made from the same setting and source, else None (`.tflite`: the
    record beside it, core.compress.tflite_cache)."""
    if path.suffix == ".tflite":
        from core.compress.tflite_cache import read_tflite_record

        header = read_tflite_record(path)
    elif path.suffix != ".tcz" or not path.is_file():
        return None
    else:
        try:
            header = read(path)
        except ArtifactError:
            return None  # damaged or older: made again
    if header is None:
        return None
    return header if header.get("spec") == variant and header.get("source") == source else None


def _model_fields(header: dict[str, Any], path: Path) -> dict[str, Any]:
    fields = {
        "params": header["params"],
        "nonzero_params": header["nonzero_params"],
        "size_bytes": path.stat().st_size,
        "artifact": str(path),
        **header.get("blocks", {}),
    }
    if header.get("quantization"):
        fields["quantization"] = header["quantization"]
    return fields


def _write_eval_data(spec: RunSpec, data: dict[str, Any], emit: Callable[..., None]) -> None:
    """The run stage's samples: the evaluation set, or seeded random inputs without labels for random weights
    (unless a set is named: its inputs then, still without accuracy, since random weights make it meaningless)."""
    from core.data import load_eval_set
    from core.data.stage_samples import synthetic_eval_data
    from core.models.registry import get_model_info

    if get_model_info(spec.model).task == "translation":  # source ids, references, vocabulary
        from core.data.translation import translation_eval_data

        evaluation = translation_eval_data(spec.model, spec.dataset, spec.options.eval_limit, spec.weights)
    elif spec.weights != "random" or spec.dataset is not None:
        es = load_eval_set(spec.model, spec.dataset, spec.options.eval_limit, progress=decode_progress(emit))
        evaluation = EvalData(es.x, es.y, es.name, es.n_classes)
    else:
        shape = tuple(int(d or 1) for d in get_model_info(spec.model).input_shape)
        evaluation = synthetic_eval_data(shape, spec.options.eval_limit, spec.options.batch_size)
    save_eval_data(eval_data_path(data), evaluation)
