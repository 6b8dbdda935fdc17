"""The artifact file's container: a fixed prefix, a zlib-compressed JSON header, then the payloads back to back.

Prefix: magic, format version, header length, payload length, payload CRC-32. The whole file's size is the model
size the paper reports. Format 2 (this version) holds a frozen inference GraphDef with its weights stripped out plus
a table of bit-packed tensors; format 1 held a Keras architecture and is refused with one line (re-compress).
Reading never imports TensorFlow. Python 3.6-compatible: the TX2 runner reads artifacts through it.
"""

import json
import struct
import zlib
from pathlib import Path
from typing import Any, Dict, Iterable, Tuple, Union  # noqa: F401 (used by the type comments)

from core.errors import UserError

MAGIC = b"TOCOMPZ\n"
FORMAT_VERSION = 2
_PREFIX = struct.Struct("<8sHIQI")  # magic, format version, header bytes, payload bytes, payload CRC-32
REDO = "run the compression again to re-create it"


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
    if len(data) < _PREFIX.size or not data.startswith(MAGIC):
        raise ArtifactError(f"{target} is not a tocompress artifact (wrong magic bytes); {REDO}")
    _, version, header_size, payload_size, crc = _PREFIX.unpack_from(data)
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
    if len(data) != expected:
        raise ArtifactError(
            f"artifact {target} has {len(data)} bytes, expected {expected} (truncated?); {REDO}"
        )
    view = memoryview(data)
    try:
        header = json.loads(zlib.decompress(view[_PREFIX.size : _PREFIX.size + header_size]).decode("utf-8"))
    except (zlib.error, ValueError) as exc:
        raise ArtifactError(f"artifact {target} has a damaged header ({exc}); {REDO}") from None
    payload = view[_PREFIX.size + header_size :]
    if zlib.crc32(payload) != crc:
        raise ArtifactError(f"artifact {target} has damaged tensor data (checksum mismatch); {REDO}")
    return header, payload


def payload_slice(payload, entry):
    # type: (memoryview, Dict[str, Any]) -> memoryview
    """The bytes of one table entry (`offset`, `nbytes`) inside the payload area."""
    return payload[int(entry["offset"]) : int(entry["offset"]) + int(entry["nbytes"])]
