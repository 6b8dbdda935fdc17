"""Encode one weight tensor under a compression spec's steps, in the order written, into bytes; decode it back.

"q8+p0.25" quantizes, then prunes by the magnitude of the de-quantized weights; "p0.25+q8" prunes, then quantizes
only the survivors over their own range. Either way a pruned tensor is stored as a sparsity structure plus the
survivors' values (bit-packed codes when quantized, float32 otherwise), so pruned weights decode to exactly 0.0.
The structure is whichever is smallest for that tensor: dense (every value), a bitmap (1 bit a weight), or the
Golomb-Rice coded gaps between kept or between pruned positions (near the entropy of the mask, so even a light
prune such as p0.05 makes a quantized tensor smaller rather than larger).

Only tensors with ndim >= 2 (conv and dense kernels, embeddings) are compressed. 1-D tensors (biases, batch-norm
statistics) are a tiny share of the parameters and the most sensitive to error (a bias shift moves every output
of a channel; BN variance sits under a square root), so they stay float32, as in the paper's setup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.compress.bitpack import (
    best_rice_k,
    pack_bits,
    packed_size_bytes,
    rice_decode,
    rice_encode,
    rice_size_bytes,
    unpack_bits,
)
from core.compress.prune import magnitude_mask
from core.compress.quantize import dequantize, dequantize_codes, quantize
from core.spec import CompressionSpec

FLOAT_BITS = 32


class CodecError(ValueError):
    """A tensor payload or its table entry is inconsistent (a damaged file)."""


@dataclass(frozen=True)
class TensorMeta:
    """How one tensor is stored: shape, original dtype, encoding, value width (None = float32) and affine map."""

    shape: tuple[int, ...]
    dtype: str
    encoding: (
        str  # "dense", "bitmap", "kept_gaps", "pruned_gaps", or "raw" (non-float tensors, bytes as they are)
    )
    bits: int | None = None
    scale: float | None = None
    min_value: float | None = None
    stored: int = 0  # how many values the payload holds (all of them when dense)
    rice_k: int | None = None  # Golomb-Rice parameter of the gap encodings

    @property
    def count(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"shape": list(self.shape), "dtype": self.dtype, "encoding": self.encoding}
        if self.bits is not None:
            out.update(bits=self.bits, scale=self.scale, min=self.min_value)
        if self.rice_k is not None:
            out["k"] = self.rice_k
        out["stored"] = self.stored
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TensorMeta:
        try:
            bits, rice_k = data.get("bits"), data.get("k")
            return cls(
                shape=tuple(int(d) for d in data["shape"]),
                dtype=str(data["dtype"]),
                encoding=str(data["encoding"]),
                bits=None if bits is None else int(bits),
                scale=None if bits is None else float(data["scale"]),
                min_value=None if bits is None else float(data["min"]),
                stored=int(data["stored"]),
                rice_k=None if rice_k is None else int(rice_k),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise CodecError(f"tensor table entry is malformed ({exc!r})") from None


def is_compressible(w: np.ndarray) -> bool:
    """Whether compression steps apply to this tensor: floating point with at least two dimensions."""
    return np.ndim(w) >= 2 and np.issubdtype(np.asarray(w).dtype, np.floating)


def gaps_between(positions: np.ndarray) -> np.ndarray:
    """Ascending flat positions as the count of skipped elements before each one (first from position 0)."""
    return np.diff(np.asarray(positions, dtype=np.int64), prepend=-1) - 1


def choose_encoding(keep: np.ndarray, value_bits: int) -> tuple[str, int | None, int]:
    """Smallest storage for the kept values under this mask: (encoding, Rice parameter, payload bytes).

    Dense is allowed only when it represents the pruned zeros exactly (nothing pruned, or float32 values).
    """
    count, kept = keep.size, int(keep.sum())
    values_size = packed_size_bytes(kept, value_bits)
    options: list[tuple[int, str, int | None]] = []
    if kept == count or value_bits == FLOAT_BITS:
        options.append((packed_size_bytes(count, value_bits), "dense", None))
    options.append((packed_size_bytes(count, 1) + values_size, "bitmap", None))
    for encoding, listed in (("kept_gaps", keep), ("pruned_gaps", ~keep)):
        gaps = gaps_between(np.flatnonzero(listed))
        k = best_rice_k(gaps)
        options.append((rice_size_bytes(gaps, k) + values_size, encoding, k))
    size, encoding, best_k = min(options, key=lambda option: option[0])  # first wins a tie: dense preferred
    return encoding, best_k, size


def encode_tensor(w: np.ndarray, spec: CompressionSpec) -> tuple[TensorMeta, bytes]:
    """Apply the spec's steps in order to `w` (if compressible) and return its table entry and payload."""
    arr = np.asarray(w)
    shape = tuple(int(d) for d in arr.shape)
    if not np.issubdtype(arr.dtype, np.floating):
        return TensorMeta(shape, arr.dtype.str, "raw", stored=arr.size), arr.tobytes()
    current = arr.astype(np.float32).ravel()
    count = current.size
    keep = np.ones(count, dtype=bool)
    codes = None
    bits = scale = min_value = None
    for step in spec.steps if is_compressible(arr) else ():
        if step.kind == "q":
            assert step.bits is not None  # the parser sets bits on every q step
            q = quantize(current[keep], step.bits)
            codes = np.zeros(count, dtype=np.uint16)
            codes[keep] = q.codes
            current[keep] = dequantize(q)
            bits, scale, min_value = q.bits, q.scale, q.min_value
        else:
            assert step.fraction is not None  # the parser sets fraction on every p step
            keep &= magnitude_mask(current, step.fraction)
            current[~keep] = 0.0
    encoding, rice_k, _ = choose_encoding(keep, bits or FLOAT_BITS)
    if encoding == "dense":
        keep[:] = True
    if codes is None or bits is None:
        values = current[keep].astype("<f4").tobytes()
    else:
        values = pack_bits(codes[keep], bits)
    meta = TensorMeta(shape, arr.dtype.name, encoding, bits, scale, min_value, int(keep.sum()), rice_k)
    return meta, _structure_bytes(keep, encoding, rice_k) + values


def decode_tensor(meta: TensorMeta, payload: bytes | memoryview) -> np.ndarray:
    """Rebuild the tensor from its table entry and payload: float32 for float tensors, the original dtype for raw."""
    count = meta.count
    if meta.encoding == "raw":
        dtype = np.dtype(meta.dtype)
        if len(payload) != count * dtype.itemsize:
            raise CodecError(
                f"raw tensor payload has {len(payload)} bytes, expected {count * dtype.itemsize}"
            )
        return np.frombuffer(payload, dtype=dtype).reshape(meta.shape).copy()
    value_bits = meta.bits or FLOAT_BITS
    values_size = packed_size_bytes(meta.stored, value_bits)
    if not 0 <= meta.stored <= count or len(payload) < values_size:
        raise CodecError(
            f"{meta.encoding} tensor payload of {len(payload)} bytes cannot hold {meta.stored} values"
        )
    structure, values = payload[: len(payload) - values_size], payload[len(payload) - values_size :]
    if meta.bits is None:
        decoded = np.frombuffer(values, dtype="<f4").astype(np.float32)
    else:
        if meta.scale is None or meta.min_value is None:
            raise CodecError(f"quantized tensor of shape {meta.shape} has no scale/min in the tensor table")
        decoded = dequantize_codes(unpack_bits(values, meta.bits, meta.stored), meta.scale, meta.min_value)
    if meta.encoding == "dense":
        if meta.stored != count or len(structure):
            raise CodecError(f"dense tensor payload has {len(payload)} bytes, expected {values_size}")
        return decoded.reshape(meta.shape)
    keep = _structure_mask(structure, meta, count)
    out = np.zeros(count, dtype=np.float32)
    out[keep] = decoded
    return out.reshape(meta.shape)


def _structure_bytes(keep: np.ndarray, encoding: str, rice_k: int | None) -> bytes:
    if encoding == "dense":
        return b""
    if encoding == "bitmap":
        return np.packbits(keep, bitorder="little").tobytes()
    listed = keep if encoding == "kept_gaps" else ~keep
    assert rice_k is not None  # choose_encoding gives a Rice parameter with every gaps encoding
    return rice_encode(gaps_between(np.flatnonzero(listed)), rice_k)


def _structure_mask(structure: bytes | memoryview, meta: TensorMeta, count: int) -> np.ndarray:
    try:
        if meta.encoding == "bitmap":
            keep = unpack_bits(structure, 1, count).astype(bool)
        elif meta.encoding in ("kept_gaps", "pruned_gaps") and meta.rice_k is not None:
            listed = meta.stored if meta.encoding == "kept_gaps" else count - meta.stored
            positions = np.cumsum(rice_decode(structure, meta.rice_k, listed) + 1) - 1
            if listed and int(positions[-1]) >= count:
                raise ValueError(f"it lists a position beyond its {count} elements")
            keep = np.full(count, meta.encoding == "pruned_gaps")
            keep[positions] = meta.encoding == "kept_gaps"
        else:
            raise ValueError("the encoding is unknown")
    except ValueError as exc:
        raise CodecError(f"{meta.encoding} tensor structure is damaged: {exc}") from None
    if int(keep.sum()) != meta.stored:
        raise CodecError(
            f"{meta.encoding} tensor marks {int(keep.sum())} kept weights but stores {meta.stored} values"
        )
    return keep
