"""The on-disk compressed model: one file whose size is the model size the paper reports, baseline included.

Layout: a fixed prefix (magic, format version, header length, payload length, payload CRC-32), a zlib-compressed
JSON header (the Keras architecture, the spec, a tensor table with each tensor's name, shape, dtype, encoding,
bits, scale, min, offset and length), then the tensor payloads back to back. The baseline goes through the same
format as float32 dense, so size comparisons are fair. Keras is imported inside the functions that need it, so
reading a header never loads TensorFlow.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.compress.tensorcodec import CodecError, TensorMeta, decode_tensor, encode_tensor, is_compressible
from core.spec import CompressionSpec

if TYPE_CHECKING:
    import keras

MAGIC = b"TOCOMPZ\n"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sHIQI")  # magic, format version, header bytes, payload bytes, payload CRC-32
_REDO = "run the compression again to re-create it"


class ArtifactError(ValueError):
    """An artifact file that cannot be read (not ours, truncated, damaged, or from a newer format)."""


@dataclass(frozen=True)
class ArtifactInfo:
    """What was written: where, its real size on disk, and the parameter counts of the model it decodes to."""

    path: str
    size_bytes: int
    params: int
    nonzero_params: int
    compressed_tensors: int


def save_artifact(
    model: keras.Model, spec: CompressionSpec | str, path: str | os.PathLike[str]
) -> ArtifactInfo:
    """Compress every weight of `model` under `spec` and write the artifact atomically to `path`."""
    spec = spec if isinstance(spec, CompressionSpec) else CompressionSpec.parse(spec)
    try:
        architecture = json.loads(model.to_json())
    except (NotImplementedError, TypeError, ValueError) as exc:
        raise ArtifactError(
            f"model {model.name!r} cannot be described as JSON ({exc}); only Sequential and functional Keras "
            "models can be saved as artifacts"
        ) from None
    table: list[dict[str, Any]] = []
    payloads: list[bytes] = []
    offset = params = nonzero = compressed = 0
    for variable, value in zip(model.weights, model.get_weights(), strict=True):
        meta, payload = encode_tensor(value, spec)
        name = getattr(variable, "path", None) or variable.name
        table.append({"name": name, **meta.to_json(), "offset": offset, "nbytes": len(payload)})
        payloads.append(payload)
        offset += len(payload)
        params += int(value.size)
        nonzero += int(np.count_nonzero(decode_tensor(meta, payload)))
        compressed += int(is_compressible(value) and not spec.is_baseline)
    header = {"spec": str(spec), "keras": _keras_version(), "architecture": architecture, "tensors": table}
    header_bytes = zlib.compress(json.dumps(header, separators=(",", ":")).encode("utf-8"), 9)
    crc = 0
    for payload in payloads:
        crc = zlib.crc32(payload, crc)
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header_bytes), offset, crc)
    target = Path(path)
    _write_atomic(target, [prefix, header_bytes, *payloads])
    return ArtifactInfo(str(target), os.path.getsize(target), params, nonzero, compressed)


def read_artifact_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The decoded header (spec, keras version, architecture, tensor table) after checking the whole file."""
    return _read(Path(path))[0]


def load_artifact(path: str | os.PathLike[str]) -> keras.Model:
    """Rebuild the Keras model stored at `path`, with its weights decoded (de-quantized, zeros restored)."""
    import keras

    target = Path(path)
    header, payload = _read(target)
    try:
        weights = [
            decode_tensor(
                TensorMeta.from_json(entry), payload[entry["offset"] : entry["offset"] + entry["nbytes"]]
            )
            for entry in header["tensors"]
        ]
    except (CodecError, KeyError, TypeError) as exc:
        raise ArtifactError(f"artifact {target} has a damaged tensor table ({exc}); {_REDO}") from None
    try:
        model = keras.models.model_from_json(json.dumps(header["architecture"]))
    except Exception as exc:  # keras raises many types for an architecture it cannot rebuild
        raise ArtifactError(
            f"artifact {target} holds an architecture keras {keras.__version__} cannot rebuild "
            f"(saved with keras {header.get('keras')}): {exc}"
        ) from None
    expected = [tuple(v.shape) for v in model.weights]
    found = [w.shape for w in weights]
    if expected != found:
        raise ArtifactError(f"artifact {target} has weights that do not fit its architecture; {_REDO}")
    model.set_weights(weights)
    return model


def _read(path: Path) -> tuple[dict[str, Any], memoryview]:
    data = path.read_bytes()
    if len(data) < _PREFIX.size or not data.startswith(MAGIC):
        raise ArtifactError(f"{path} is not a tocompress artifact (wrong magic bytes); {_REDO}")
    _, version, header_size, payload_size, crc = _PREFIX.unpack_from(data)
    if version > FORMAT_VERSION:
        raise ArtifactError(
            f"{path} uses artifact format {version}, newer than {FORMAT_VERSION}; upgrade tocompress"
        )
    expected = _PREFIX.size + header_size + payload_size
    if len(data) != expected:
        raise ArtifactError(
            f"artifact {path} has {len(data)} bytes, expected {expected} (truncated?); {_REDO}"
        )
    view = memoryview(data)
    try:
        header = json.loads(zlib.decompress(view[_PREFIX.size : _PREFIX.size + header_size]))
    except (zlib.error, ValueError) as exc:
        raise ArtifactError(f"artifact {path} has a damaged header ({exc}); {_REDO}") from None
    payload = view[_PREFIX.size + header_size :]
    if zlib.crc32(payload) != crc:
        raise ArtifactError(f"artifact {path} has damaged tensor data (checksum mismatch); {_REDO}")
    return header, payload


def _write_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _keras_version() -> str:
    import keras

    return keras.__version__
