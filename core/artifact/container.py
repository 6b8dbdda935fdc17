"""The artifact file's container: a fixed prefix, a zlib-compressed JSON header, then the payloads back to back.

Prefix: magic, format version, header length, payload length, payload CRC-32. The whole file's size is the model
size the paper reports. Format 2 (this version) holds a frozen inference GraphDef with its weights stripped out plus
a table of bit-packed tensors; format 1 held a Keras architecture and is refused with one line (re-compress).
Reading never imports TensorFlow. Python 3.6-compatible: the TX2 runner reads artifacts through it.
"""

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any, Dict, Iterable, Tuple, Union  # noqa: F401 (used by the type comments)

from core.errors import UserError

MAGIC = b"TOCOMPZ\n"
FORMAT_VERSION = 2
_PREFIX = struct.Struct("<8sHIQI")  # magic, format version, header bytes, payload bytes, payload CRC-32
REDO = "run the compression again to re-create it"
_CRC_CHUNK = 1 << 24


class ArtifactError(UserError, ValueError):
    """An artifact file that cannot be read (not ours, truncated, damaged, or from another format)."""


def container_head(header, payload_size, crc):
    # type: (Dict[str, Any], int, int) -> bytes
    """The prefix and compressed header that go before `payload_size` payload bytes whose CRC-32 is `crc` (for
    writers that stream their payloads from elsewhere)."""
    header_bytes = zlib.compress(json.dumps(header, separators=(",", ":")).encode("utf-8"), 9)
    return _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header_bytes), payload_size, crc) + header_bytes


def read_container(path):
    # type: (Union[str, Path]) -> Tuple[Dict[str, Any], memoryview]
    """The decoded header and the payload area of a format-2 artifact, after checking the whole file."""
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise ArtifactError(f"artifact {target} does not exist; {REDO}") from None
    header_size, payload_size, crc = _check_prefix(target, data[: _PREFIX.size], len(data))
    view = memoryview(data)
    header = _decode_header(target, view[_PREFIX.size : _PREFIX.size + header_size])
    payload = view[_PREFIX.size + header_size :]
    if zlib.crc32(payload) != crc:
        raise ArtifactError(f"artifact {target} has damaged tensor data (checksum mismatch); {REDO}")
    return header, payload


def read_header(path):
    # type: (Union[str, Path]) -> Tuple[Dict[str, Any], int]
    """The decoded header of a format-2 artifact and the file offset of its payload area, after checking the whole
    file's checksum chunk by chunk: the run stage then reads each tensor when it loads it, never the whole file."""
    target = Path(path)
    try:
        with target.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            header_size, payload_size, crc = _check_prefix(target, f.read(_PREFIX.size), size)
            header = _decode_header(target, f.read(header_size))
            seen = 0
            for chunk in iter(lambda: f.read(_CRC_CHUNK), b""):
                seen = zlib.crc32(chunk, seen)
    except FileNotFoundError:
        raise ArtifactError(f"artifact {target} does not exist; {REDO}") from None
    if seen != crc:
        raise ArtifactError(f"artifact {target} has damaged tensor data (checksum mismatch); {REDO}")
    return header, _PREFIX.size + header_size


def _check_prefix(target, prefix, file_size):
    # type: (Path, bytes, int) -> Tuple[int, int, int]
    """(header bytes, payload bytes, payload CRC-32) from the fixed prefix, or one line on what is wrong."""
    if len(prefix) < _PREFIX.size or not prefix.startswith(MAGIC):
        raise ArtifactError(f"{target} is not a tocompress artifact (wrong magic bytes); {REDO}")
    _, version, header_size, payload_size, crc = _PREFIX.unpack_from(prefix)
    if version > FORMAT_VERSION:
        raise ArtifactError(
            f"{target} uses artifact format {version}, newer than {FORMAT_VERSION}; upgrade tocompress"
        )
    if version < FORMAT_VERSION:
        raise ArtifactError(
            f"{target} uses artifact format {version} (a Keras model, from an older tocompress); the runner needs format {FORMAT_VERSION}: "
            f"{REDO}"
        )
    expected = _PREFIX.size + header_size + payload_size
    if file_size != expected:
        raise ArtifactError(
            f"artifact {target} has {file_size} bytes, expected {expected} (truncated?); {REDO}"
        )
    return header_size, payload_size, crc


def _decode_header(target, raw):
    # type: (Path, Union[bytes, memoryview]) -> Dict[str, Any]
    try:
        return json.loads(zlib.decompress(raw).decode("utf-8"))
    except (zlib.error, ValueError) as exc:
        raise ArtifactError(f"artifact {target} has a damaged header ({exc}); {REDO}") from None


def payload_slice(payload, entry):
    # type: (memoryview, Dict[str, Any]) -> memoryview
    """The bytes of one table entry (`offset`, `nbytes`) inside the payload area."""
    return payload[int(entry["offset"]) : int(entry["offset"]) + int(entry["nbytes"])]
