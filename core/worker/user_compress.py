"""The compress stage of a model the user brings: load the file, write its artifact and evaluation samples.

TensorFlow (compress stage only). A Keras file goes through core.compress.pipeline like a registry model; a
SavedModel or frozen `.pb` is frozen to a GraphDef and encoded per tensor (qN, unstructured pN); a `.tflite` is
its own artifact, run as it is by the TFLite runner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.models.user_model import UserModel, UserModelError, check_setting, from_args
from core.runspec import RunSpec
from core.samples.evaldata import EvalData, decode_progress, eval_data_path, save_eval_data


def compress_user_model(
    spec: RunSpec, data: dict[str, Any], emit: Callable[..., None], phase: Callable[[str], None]
) -> str:
    """Write the artifact of a user's model (or point at the .tflite itself) and its samples; the artifact path."""
    from core.compress.pipeline import artifact_path

    assert spec.model_args is not None  # compress_stage dispatches here only for user models
    um = from_args(spec.model_args)
    check_setting(um, spec.compression)
    variant = str(spec.compression)
    stat = um.path.stat()
    weights = {"kind": "user file", "file": str(um.path), "bytes": stat.st_size}
    if um.kind == "tflite":
        shape = tflite_input_shape(um)
        write_eval_data(spec, data, um, shape, emit, tflite_classes(um))
        emit("model", variant=variant, params=None, nonzero_params=None, size_bytes=stat.st_size,
             artifact=str(um.path), cached=False, weights=weights)  # fmt: skip
        return str(um.path)
    path = artifact_path(spec.workdir, um.name, spec.compression)
    source = {
        "model": str(um.path),
        "bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "args": um.to_args(),
    }
    if um.kind == "keras":
        import keras

        from core.compress.pipeline import compress_model

        try:
            model = keras.models.load_model(str(um.path), compile=False)
        except Exception as exc:  # noqa: BLE001 (Keras raises ValueError, OSError, KeyError... for a bad file)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UserModelError(
                f"{um.name}: Keras cannot load it ({first}); save it again with model.save()"
            ) from None
        shape = um.input_shape or tuple(int(d) for d in model.inputs[0].shape[1:])
        write_eval_data(spec, data, um, shape, emit, int(model.outputs[0].shape[-1]))
        phase("compress")
        # No samples to hand in: check_setting refused :ftN and tflite:int8 for a model the user brings.
        info, blocks = compress_model(model, spec.compression, path, source)
    else:
        from core.compress.writer import save_artifact

        graph_def, inputs, outputs, shape = load_graph(um)
        write_eval_data(spec, data, um, shape, emit)
        phase("compress")
        info = save_artifact(graph_def, inputs, outputs, spec.compression, path, source=source, blocks={})
        blocks = {}
    emit("model", variant=variant, params=info.params, nonzero_params=info.nonzero_params,
         size_bytes=info.size_bytes, artifact=info.path, cached=False, weights=weights,
         **({"quantization": info.quantization} if info.quantization else {}), **blocks)  # fmt: skip
    return info.path


def load_graph(um: UserModel) -> tuple[Any, list[str], list[str], tuple[int, ...]]:
    """A SavedModel's serving signature or a frozen `.pb` as (GraphDef, input names, output names, input shape)."""
    import tensorflow as tf

    if um.kind == "savedmodel":
        from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

        loaded = tf.saved_model.load(str(um.path))
        signature = loaded.signatures.get("serving_default")
        if signature is None:
            raise UserModelError(f"{um.name}: the SavedModel has no serving_default signature to run")
        frozen = convert_variables_to_constants_v2(signature)
        graph_def = frozen.graph.as_graph_def()
        inputs = [t.name for t in frozen.inputs if t.dtype != tf.resource]
        outputs = [t.name for t in frozen.outputs]
        shape = um.input_shape or _known(frozen.inputs[0].shape[1:], um)
    else:
        graph_def = tf.compat.v1.GraphDef()
        try:
            graph_def.ParseFromString(um.path.read_bytes())
        except Exception:  # noqa: BLE001 (protobuf raises its own DecodeError)
            raise UserModelError(f"{um.name} is not a frozen GraphDef (.pb); freeze it first") from None
        inputs, outputs, shape = _pb_io(graph_def, um)
    from core.artifact.graphcompat import strip_default_attrs

    strip_default_attrs(graph_def)
    return graph_def, inputs, outputs, shape


def _pb_io(graph_def: Any, um: UserModel) -> tuple[list[str], list[str], tuple[int, ...]]:
    """Input and output tensor names from the flags, or the single Placeholder and the last op."""
    nodes = {n.name: n for n in graph_def.node}
    placeholders = [n for n in graph_def.node if n.op == "Placeholder"]
    if um.input_name:
        name = um.input_name.split(":")[0]
        if name not in nodes:
            raise UserModelError(f"--input-name {um.input_name}: no such op in {um.name}")
        placeholder = nodes[name]
    elif len(placeholders) == 1:
        placeholder = placeholders[0]
    else:
        found = ", ".join(p.name for p in placeholders[:5]) or "none"
        raise UserModelError(f"{um.name} has {len(placeholders)} Placeholders ({found}); pass --input-name")
    if um.output_name:
        out = um.output_name.split(":")[0]
        if out not in nodes:
            raise UserModelError(f"--output-name {um.output_name}: no such op in {um.name}")
    else:
        out = graph_def.node[-1].name
    dims = [d.size for d in placeholder.attr["shape"].shape.dim][1:] if "shape" in placeholder.attr else []
    shape = um.input_shape or _known(dims, um)
    return [placeholder.name + ":0"], [out + ":0"], shape


def _known(dims: Any, um: UserModel) -> tuple[int, ...]:
    shape = tuple(None if d is None or int(d) < 0 else int(d) for d in dims)
    if not shape or any(d is None for d in shape):
        raise UserModelError(
            f"{um.name} does not say its input shape {shape}; pass --input-shape, e.g. 224,224,3"
        )
    return shape  # type: ignore[return-value]


def tflite_input_shape(um: UserModel) -> tuple[int, ...]:
    """The input shape a `.tflite` declares (LiteRT's interpreter), or the flag's."""
    if um.input_shape:
        return um.input_shape
    from ai_edge_litert.interpreter import Interpreter

    detail = Interpreter(model_path=str(um.path)).get_input_details()[0]
    return _known([int(d) for d in detail["shape"][1:]], um)


def tflite_classes(um: UserModel) -> int | None:
    """The width of a `.tflite`'s first output."""
    from ai_edge_litert.interpreter import Interpreter

    shape = Interpreter(model_path=str(um.path)).get_output_details()[0]["shape"]
    return int(shape[-1]) if len(shape) else None


def write_eval_data(
    spec: RunSpec,
    data: dict[str, Any],
    um: UserModel,
    shape: tuple[int, ...],
    emit: Callable[..., None],
    classes: int | None = None,
) -> None:
    """The named set (an ImageNet folder or a set of the same shape), else seeded random inputs without labels.

    A labelled set whose classes differ from the model's outputs (`classes`) is refused: its accuracy would mean
    nothing."""
    if spec.dataset is not None:
        from core.data import load_eval_set

        es = load_eval_set(um.name, spec.dataset, spec.options.eval_limit, input_shape=shape,
                           preprocess=um.preprocess, progress=decode_progress(emit))  # fmt: skip
        if es.y is not None and classes is not None and classes != es.n_classes:
            raise UserModelError(
                f"{um.name} has {classes} outputs but {es.name} has {es.n_classes} classes; "
                "leave out --dataset to measure it without accuracy"
            )
        evaluation = EvalData(es.x, es.y, es.name, es.n_classes)
    else:
        from core.data.stage_samples import synthetic_eval_data

        evaluation = synthetic_eval_data(shape, spec.options.eval_limit, spec.options.batch_size)
    save_eval_data(Path(eval_data_path(data)), evaluation)
