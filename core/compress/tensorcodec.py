"""Encode one weight tensor under a compression spec's tensor-level steps (unstructured pruning and quantization,
in the order written) into bytes; decode it back (through core.artifact.tensordecode, which the run stage shares).

"q8+p0.25" quantizes, then prunes by the magnitude of the de-quantized weights; "p0.25+q8" prunes, then quantizes
only the survivors over their own range. Either way a pruned tensor is stored as a sparsity structure plus the
survivors' values (bit-packed codes when quantized, float32 otherwise), so pruned weights decode to exactly 0.0.
The structure is whichever is smallest for that tensor: dense (every value), a bitmap (1 bit a weight), or the
Golomb-Rice coded gaps between kept or between pruned positions (near the entropy of the mask, so even a light
prune such as p0.05 makes a quantized tensor smaller rather than larger).

Only tensors with ndim >= 2 (conv and dense kernels, embeddings) are compressed. 1-D tensors (biases, batch-norm
statistics) are a tiny share of the parameters and the most sensitive to error (a bias shift moves every output
of a channel; BN variance sits under a square root), so they stay float32, as in the paper's setup.

Per-tensor quantization puts 0.0 on its grid (quantize's `zero_exact`: an integer zero point), which is what
TensorFlow's Dequantize op (MIN_FIRST) assumes, so the run-time form is that one op per weight, as in the paper's
graphs, and a pruned weight kept as an integer code is exactly 0. Per-channel quantization (`qN:ch`) keeps one
scale and minimum per output channel, the last `channel_dims` axes (1 for conv and dense kernels, 2 for depthwise
kernels, whose outputs are input channel x multiplier), with 0 on each channel's grid when the setting prunes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.artifact.bitpack import (
    best_rice_k,
    pack_bits,
    packed_size_bytes,
    rice_encode,
    rice_size_bytes,
)
from core.artifact.tensordecode import FLOAT_BITS, CodecError, decode_float, dequantize_channel_codes
from core.compress.prune import magnitude_mask
from core.compress.quantize import dequantize, quantize, quantize_per_channel
from core.spec import CompressionSpec, Step

__all__ = ["CodecError", "TensorMeta", "decode_tensor", "encode_tensor", "is_compressible", "tensor_steps"]


@dataclass(frozen=True)
class TensorMeta:
    """How one tensor is stored: shape, original dtype, encoding, value width (None = float32) and affine map."""

    shape: tuple[int, ...]
    dtype: str
    # "dense", "bitmap", "kept_gaps", "pruned_gaps", or "raw" (non-float tensors, bytes as they are)
    encoding: str
    bits: int | None = None
    scale: float | None = None
    min_value: float | None = None
    stored: int = 0  # how many values the payload holds (all of them when dense)
    rice_k: int | None = None  # Golomb-Rice parameter of the gap encodings
    channels: int | None = None  # per-channel quantization: how many scales (then scale/min_value are None)
    channel_dims: int | None = None  # per-channel: how many trailing axes make a channel

    @property
    def count(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"shape": list(self.shape), "dtype": self.dtype, "encoding": self.encoding}
        if self.bits is not None:
            out.update(bits=self.bits, scale=self.scale, min=self.min_value)
        if self.channels is not None:
            out.update(channels=self.channels, channel_dims=self.channel_dims)
        if self.rice_k is not None:
            out["k"] = self.rice_k
        out["stored"] = self.stored
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TensorMeta:
        try:
            bits, rice_k, channels = data.get("bits"), data.get("k"), data.get("channels")
            per_tensor = bits is not None and channels is None
            return cls(
                shape=tuple(int(d) for d in data["shape"]),
                dtype=str(data["dtype"]),
                encoding=str(data["encoding"]),
                bits=None if bits is None else int(bits),
                scale=float(data["scale"]) if per_tensor else None,
                min_value=float(data["min"]) if per_tensor else None,
                stored=int(data["stored"]),
                rice_k=None if rice_k is None else int(rice_k),
                channels=None if channels is None else int(channels),
                channel_dims=None if channels is None else int(data["channel_dims"]),
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


def tensor_steps(spec: CompressionSpec) -> tuple[Step, ...]:
    """The steps that act on each stored tensor: quantization and unstructured pruning (structured pruning and
    fine-tuning change the model before it is frozen; a TFLite conversion writes its own file)."""
    return tuple(s for s in spec.steps if s.kind == "q" or (s.kind == "p" and not s.structured))


def encode_tensor(w: np.ndarray, spec: CompressionSpec, channel_dims: int = 1) -> tuple[TensorMeta, bytes]:
    """Apply the spec's tensor-level steps in order to `w` (if compressible); return its table entry and payload."""
    arr = np.asarray(w)
    shape = tuple(int(d) for d in arr.shape)
    if not np.issubdtype(arr.dtype, np.floating):
        return TensorMeta(shape, arr.dtype.str, "raw", stored=arr.size), arr.tobytes()
    current = arr.astype(np.float32).ravel()
    count = current.size
    keep = np.ones(count, dtype=bool)
    codes = channel_params = None
    bits = scale = min_value = None
    steps = tensor_steps(spec) if is_compressible(arr) else ()
    pruned = any(step.kind == "p" for step in steps)  # a pruned weight needs a code of its own
    for step in steps:
        if step.kind == "q" and step.per_channel:
            assert step.bits is not None  # the parser sets bits on every q step
            width = int(np.prod(shape[-channel_dims:]))
            codes2d, scales, mins = quantize_per_channel(
                current.reshape(-1, width), keep.reshape(-1, width), step.bits, zero_exact=pruned
            )
            codes = codes2d.ravel()
            kept_at = np.flatnonzero(keep)
            current[keep] = dequantize_channel_codes(codes[keep], kept_at, scales, mins)
            bits, channel_params = step.bits, (scales, mins)
        elif step.kind == "q":
            assert step.bits is not None  # the parser sets bits on every q step
            q = quantize(current[keep], step.bits, zero_exact=True)
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
    params = b""
    channels: int | None = None
    if channel_params is not None:
        scales, mins = channel_params
        channels = int(scales.size)
        params = mins.astype("<f4").tobytes() + scales.astype("<f4").tobytes()
    meta = TensorMeta(
        shape,
        arr.dtype.name,
        encoding,
        bits,
        scale,
        min_value,
        int(keep.sum()),
        rice_k,
        channels,
        channel_dims if channels is not None else None,
    )
    return meta, _structure_bytes(keep, encoding, rice_k) + values + params


def decode_tensor(meta: TensorMeta, payload: bytes | memoryview) -> np.ndarray:
    """Rebuild the tensor from its table entry and payload: float32 for float tensors, the original dtype for raw."""
    return decode_float(meta.to_json(), payload)


def _structure_bytes(keep: np.ndarray, encoding: str, rice_k: int | None) -> bytes:
    if encoding == "dense":
        return b""
    if encoding == "bitmap":
        return np.packbits(keep, bitorder="little").tobytes()
    listed = keep if encoding == "kept_gaps" else ~keep
    assert rice_k is not None  # choose_encoding gives a Rice parameter with every gaps encoding
    return rice_encode(gaps_between(np.flatnonzero(listed)), rice_k)
