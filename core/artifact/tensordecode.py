"""Decode one stored tensor: float32 values (de-quantized, pruned zeros restored), or its integer codes and affine map.

The run stage uses `decode_codes` to keep weights as integers in the graph (run-time de-quantization) and
`decode_float` for everything else; the compress side's codec (tensorcodec) decodes through here too, so both sides
read the format one way. A table entry is the JSON dict written by tensorcodec.TensorMeta.to_json. Per-channel
entries (`channels` C) append C float32 minimums then C float32 scales to the payload; the channels are the last
`channel_dims` axes, so flat position i belongs to channel i % C.

Python 3.6-compatible, numpy only: the TX2 runner imports it.
"""

from typing import Any, Callable, Dict, Iterator, Optional, Tuple, Union  # noqa: F401 (used by the type comments)

import numpy as np

from core.artifact.bitpack import packed_size_bytes, rice_decode, unpack_bits
from core.errors import UserError

FLOAT_BITS = 32
_CHUNK = 1 << 22
Buffer = Union[bytes, memoryview]  # noqa: UP007 (Python 3.6)


class CodecError(UserError, ValueError):
    """A tensor payload or its table entry is inconsistent (a damaged file)."""


def entry_count(entry):
    # type: (Dict[str, Any]) -> int
    """Number of elements of the tensor a table entry describes."""
    return int(np.prod([int(d) for d in entry["shape"]], dtype=np.int64))


def levels(bits):
    # type: (int) -> int
    """Largest code of a `bits`-bit quantization."""
    return (1 << int(bits)) - 1


def dequantize_codes(codes, scale, min_value):
    # type: (np.ndarray, float, float) -> np.ndarray
    """The per-tensor affine map on a code array (any shape): min + code * scale in float64, rounded once."""
    flat = np.asarray(codes).ravel()
    out = np.empty(flat.size, dtype=np.float32)
    for start in range(0, flat.size, _CHUNK):
        out[start : start + _CHUNK] = min_value + flat[start : start + _CHUNK].astype(np.float64) * scale
    return out.reshape(np.shape(codes))


def dequantize_channel_codes(codes, positions, scales, mins):
    # type: (np.ndarray, np.ndarray, np.ndarray, np.ndarray) -> np.ndarray
    """The per-channel affine map for codes at flat `positions`: channel = position % len(scales)."""
    channel = np.asarray(positions, dtype=np.int64) % len(scales)
    out = (
        mins.astype(np.float64)[channel]
        + np.asarray(codes).astype(np.float64) * scales.astype(np.float64)[channel]
    )
    return out.astype(np.float32)


def _split(entry, payload):
    # type: (Dict[str, Any], Buffer) -> Tuple[Buffer, Buffer, Optional[np.ndarray], Optional[np.ndarray]]
    """(structure bytes, value bytes, per-channel scales, per-channel mins) of a non-raw payload."""
    count = entry_count(entry)
    stored = int(entry["stored"])
    bits = entry.get("bits")
    channels = entry.get("channels")
    values_size = packed_size_bytes(stored, int(bits) if bits else FLOAT_BITS)
    params_size = 8 * int(channels) if channels else 0
    if not 0 <= stored <= count or len(payload) < values_size + params_size:
        raise CodecError(
            "{} tensor payload of {} bytes cannot hold {} values".format(
                entry["encoding"], len(payload), stored
            )
        )
    end = len(payload) - params_size
    structure, values = payload[: end - values_size], payload[end - values_size : end]
    scales = mins = None
    if channels:
        params = np.frombuffer(payload[end:], dtype="<f4").astype(np.float32)
        mins, scales = params[: int(channels)], params[int(channels) :]
    return structure, values, scales, mins


def _keep_mask(entry, structure, count):
    # type: (Dict[str, Any], Buffer, int) -> Optional[np.ndarray]
    """The flat kept-mask of a pruned entry, or None when the entry is dense (everything kept)."""
    encoding, stored = entry["encoding"], int(entry["stored"])
    if encoding == "dense":
        if stored != count or len(structure):
            raise CodecError(f"dense tensor payload has {len(structure)} extra bytes or too few values")
        return None
    try:
        if encoding == "bitmap":
            keep = unpack_bits(structure, 1, count).astype(bool)
        elif encoding in ("kept_gaps", "pruned_gaps") and entry.get("k") is not None:
            listed = stored if encoding == "kept_gaps" else count - stored
            positions = np.cumsum(rice_decode(structure, int(entry["k"]), listed) + 1) - 1
            if listed and int(positions[-1]) >= count:
                raise ValueError(f"it lists a position beyond its {count} elements")
            keep = np.full(count, encoding == "pruned_gaps")
            keep[positions] = encoding == "kept_gaps"
        else:
            raise ValueError("the encoding is unknown")
    except ValueError as exc:
        raise CodecError(f"{encoding} tensor structure is damaged: {exc}") from None
    if int(keep.sum()) != stored:
        raise CodecError(f"{encoding} tensor marks {int(keep.sum())} kept weights but stores {stored} values")
    return keep


def _raw(entry, payload):
    # type: (Dict[str, Any], Buffer) -> np.ndarray
    dtype = np.dtype(entry["dtype"])
    count = entry_count(entry)
    if len(payload) != count * dtype.itemsize:
        raise CodecError(f"raw tensor payload has {len(payload)} bytes, expected {count * dtype.itemsize}")
    return np.frombuffer(payload, dtype=dtype).reshape(entry["shape"]).copy()


def _checked_bits(entry):
    # type: (Dict[str, Any]) -> int
    bits = int(entry["bits"])
    if not entry.get("channels") and (entry.get("scale") is None or entry.get("min") is None):
        raise CodecError(
            "quantized tensor of shape {} has no scale/min in the tensor table".format(entry["shape"])
        )
    return bits


def decode_float(entry, payload):
    # type: (Dict[str, Any], Buffer) -> np.ndarray
    """The tensor as float32 (the original dtype for raw entries), pruned weights exactly 0.0."""
    if entry["encoding"] == "raw":
        return _raw(entry, payload)
    out = np.empty(entry_count(entry), dtype=np.float32)
    for start, chunk in float_chunks(entry, _reader(payload), len(payload), entry_count(entry) or 1):
        out[start : start + chunk.size] = chunk
    return out.reshape(entry["shape"])


def _reader(payload):
    # type: (Buffer) -> Callable[[int, int], Buffer]
    """read(offset, size) on a payload already in memory."""
    return lambda offset, size: payload[offset : offset + size]


def float_chunks(entry, read, nbytes, chunk_elems):
    # type: (Dict[str, Any], Callable[[int, int], Buffer], int, int) -> Iterator[Tuple[int, np.ndarray]]
    """(flat start, flat float32 values) of the tensor, `chunk_elems` elements at a time, reading its `nbytes`
    payload through `read(offset, size)` (offsets inside the entry's payload), so a caller that streams from the file never
    holds a whole float copy: the run stage fills each variable chunk by chunk. Raw entries keep their dtype."""
    count = entry_count(entry)
    if entry["encoding"] == "raw":
        dtype = np.dtype(entry["dtype"])
        if nbytes != count * dtype.itemsize:
            raise CodecError(f"raw tensor payload has {nbytes} bytes, expected {count * dtype.itemsize}")
        for start in range(0, count, chunk_elems):
            size = min(chunk_elems, count - start)
            yield (
                start,
                np.frombuffer(read(start * dtype.itemsize, size * dtype.itemsize), dtype=dtype).copy(),
            )
        return
    stored = int(entry["stored"])
    bits = entry.get("bits")
    channels = int(entry.get("channels") or 0)
    values_size = packed_size_bytes(stored, int(bits) if bits else FLOAT_BITS)
    params_size = 8 * channels
    structure_size = nbytes - values_size - params_size
    if not 0 <= stored <= count or structure_size < 0:
        raise CodecError(f"{entry['encoding']} tensor payload of {nbytes} bytes cannot hold {stored} values")
    keep = _keep_mask(entry, read(0, structure_size), count)
    scales = mins = None  # type: Optional[np.ndarray]
    if channels:
        params = np.frombuffer(read(nbytes - params_size, params_size), dtype="<f4").astype(np.float32)
        mins, scales = params[:channels], params[channels:]
    codes = None  # type: Optional[np.ndarray]
    if bits is not None:
        codes = unpack_bits(read(structure_size, values_size), _checked_bits(entry), stored)
    taken = 0  # stored values used so far
    for start in range(0, count, chunk_elems):
        end = min(start + chunk_elems, count)
        kept = None if keep is None else keep[start:end]
        n = end - start if kept is None else int(kept.sum())
        if codes is None:
            values = np.frombuffer(read(structure_size + 4 * taken, 4 * n), dtype="<f4").astype(np.float32)
        elif scales is not None and mins is not None:
            positions = np.arange(start, end) if kept is None else start + np.flatnonzero(kept)
            values = dequantize_channel_codes(codes[taken : taken + n], positions, scales, mins)
        else:
            values = dequantize_codes(codes[taken : taken + n], float(entry["scale"]), float(entry["min"]))
        taken += n
        if kept is None:
            yield start, values
        else:
            out = np.zeros(end - start, dtype=np.float32)
            out[kept] = values
            yield start, out


def decode_codes(entry, payload):
    # type: (Dict[str, Any], Buffer) -> Tuple[np.ndarray, np.ndarray, np.ndarray]
    """(codes shaped like the tensor, scales, mins) of a quantized entry; scales/mins have shape (C,) per channel
    or () per tensor. A pruned weight gets the code nearest to 0.0 (affine codes need not hold 0 exactly, so it
    comes back within scale / 2 of zero)."""
    if entry.get("bits") is None:
        raise CodecError("tensor of shape {} is not quantized; it has no codes".format(entry["shape"]))
    bits = _checked_bits(entry)
    count = entry_count(entry)
    structure, values, scales, mins = _split(entry, payload)
    keep = _keep_mask(entry, structure, count)
    if scales is None or mins is None:
        scales = np.array(float(entry["scale"]), dtype=np.float64)
        mins = np.array(float(entry["min"]), dtype=np.float64)
    codes = unpack_bits(values, bits, int(entry["stored"]))
    if keep is not None:
        zero = np.where(scales > 0, np.rint(-mins.astype(np.float64) / np.where(scales > 0, scales, 1)), 0)
        zero = np.clip(zero, 0, levels(bits)).astype(codes.dtype)
        full = np.empty(count, dtype=codes.dtype)
        full[:] = np.resize(zero, count) if zero.ndim else zero
        full[keep] = codes
        codes = full
    return codes.reshape(entry["shape"]), scales, mins
