"""Affine per-tensor N-bit weight quantization, as in the paper: no retraining, de-quantized when the model loads.

code = round((w - min) / scale) with scale = (max - min) / (2**bits - 1), so every weight comes back within
scale / 2 of where it was. Arithmetic is float64 (in chunks, to bound memory) so that bound holds to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_QUANT_BITS = 2
MAX_QUANT_BITS = 16
_CHUNK = 1 << 22


@dataclass(frozen=True)
class QuantizedTensor:
    """Integer codes (uint16, shaped like the weights) plus the affine map back: w ~= min_value + code * scale."""

    codes: np.ndarray
    scale: float
    min_value: float
    bits: int
    shape: tuple[int, ...]


def quantize(w: np.ndarray, bits: int) -> QuantizedTensor:
    """Quantize `w` to `bits` bits over its own [min, max]; a constant tensor gets scale 0 and all-zero codes."""
    if not isinstance(bits, (int, np.integer)) or not MIN_QUANT_BITS <= bits <= MAX_QUANT_BITS:
        raise ValueError(
            f"quantization to {bits!r} bits is not supported; use {MIN_QUANT_BITS}..{MAX_QUANT_BITS}"
        )
    arr = np.asarray(w)
    shape = tuple(int(d) for d in arr.shape)
    flat = arr.ravel()
    codes = np.zeros(flat.size, dtype=np.uint16)
    if flat.size == 0:
        return QuantizedTensor(codes.reshape(shape), 0.0, 0.0, int(bits), shape)
    lo, hi = float(flat.min()), float(flat.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("cannot quantize a tensor that holds NaN or inf; check the model's weights")
    levels = (1 << bits) - 1
    scale = (hi - lo) / levels
    if scale > 0:
        for start in range(0, flat.size, _CHUNK):
            part = flat[start : start + _CHUNK].astype(np.float64)
            codes[start : start + _CHUNK] = np.clip(np.rint((part - lo) / scale), 0, levels)
    return QuantizedTensor(codes.reshape(shape), scale, lo, int(bits), shape)


def dequantize(q: QuantizedTensor) -> np.ndarray:
    """Float32 weights back from codes: min_value + code * scale, computed in float64 then rounded once."""
    return dequantize_codes(q.codes, q.scale, q.min_value).reshape(q.shape)


def dequantize_codes(codes: np.ndarray, scale: float, min_value: float) -> np.ndarray:
    """The affine map on a bare code array (any shape), used when codes come straight out of a file."""
    flat = np.asarray(codes).ravel()
    out = np.empty(flat.size, dtype=np.float32)
    for start in range(0, flat.size, _CHUNK):
        out[start : start + _CHUNK] = min_value + flat[start : start + _CHUNK].astype(np.float64) * scale
    return out.reshape(np.shape(codes))
