"""Affine N-bit weight quantization, as in the paper (no retraining): per tensor, or per output channel.

code = round((w - min) / scale) with scale = (max - min) / (2**bits - 1), so every weight comes back within
scale / 2 of where it was. Arithmetic is float64 (in chunks, to bound memory) so that bound holds to the last bit.
Per-channel scales and minimums are rounded to float32 before coding (they are stored as float32), so the bound
holds against the stored values.

`zero_exact` (used when the setting also prunes) widens the range to include 0 and puts 0 on the grid (an integer
zero point, min = -zero_point * scale), so a pruned weight has a code of its own, which matters where the weights
stay integer in the graph (run-time de-quantization). The step grows by at most a factor levels / (levels - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.artifact.tensordecode import dequantize_codes

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


def affine_range(lo: np.ndarray, hi: np.ndarray, top: int, zero_exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """(scale, min) that map codes 0..top onto [lo, hi], elementwise; with `zero_exact`, onto a range that
    contains 0 at an integer code."""
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    if not zero_exact:
        return (hi - lo) / top, lo
    lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 0.0)
    step = (hi - lo) / top
    zero = np.clip(np.rint(-lo / np.where(step > 0, step, 1.0)), 0, top)
    below = np.where(zero > 0, -lo / np.maximum(zero, 1), 0.0)
    above = np.where(zero < top, hi / np.maximum(top - zero, 1), 0.0)
    scale = np.where(step > 0, np.maximum(below, above), 0.0)
    return scale, -zero * scale


def quantize(w: np.ndarray, bits: int, zero_exact: bool = False) -> QuantizedTensor:
    """Quantize `w` to `bits` bits over its own [min, max] (see `zero_exact` above); a constant tensor gets scale 0
    and all-zero codes."""
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
    scale_array, min_array = affine_range(np.array(lo), np.array(hi), levels, zero_exact)
    scale, lo = float(scale_array), float(min_array)
    if scale > 0:
        for start in range(0, flat.size, _CHUNK):
            part = flat[start : start + _CHUNK].astype(np.float64)
            codes[start : start + _CHUNK] = np.clip(np.rint((part - lo) / scale), 0, levels)
    return QuantizedTensor(codes.reshape(shape), scale, lo, int(bits), shape)


def dequantize(q: QuantizedTensor) -> np.ndarray:
    """Float32 weights back from codes: min_value + code * scale, computed in float64 then rounded once."""
    return dequantize_codes(q.codes, q.scale, q.min_value).reshape(q.shape)


def quantize_per_channel(
    w2d: np.ndarray, keep2d: np.ndarray, bits: int, zero_exact: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes (uint16, shaped like `w2d`), float32 scales and float32 minimums of each column (output channel) of
    `w2d`, over the kept entries only; pruned entries get code 0 and a column with none kept gets scale 0."""
    if not isinstance(bits, (int, np.integer)) or not MIN_QUANT_BITS <= bits <= MAX_QUANT_BITS:
        raise ValueError(
            f"quantization to {bits!r} bits is not supported; use {MIN_QUANT_BITS}..{MAX_QUANT_BITS}"
        )
    w = np.asarray(w2d, dtype=np.float64)
    if not np.isfinite(w[keep2d]).all():
        raise ValueError("cannot quantize a tensor that holds NaN or inf; check the model's weights")
    lo = np.where(keep2d, w, np.inf).min(axis=0)
    hi = np.where(keep2d, w, -np.inf).max(axis=0)
    empty = ~np.isfinite(lo)
    lo[empty], hi[empty] = 0.0, 0.0
    top = (1 << bits) - 1
    scale64, min64 = affine_range(lo, hi, top, zero_exact)
    scales, mins = scale64.astype(np.float32), min64.astype(np.float32)
    safe = np.where(scales > 0, scales, 1).astype(np.float64)
    codes = np.clip(np.rint((w - mins.astype(np.float64)) / safe), 0, top)
    codes[:, scales <= 0] = 0
    codes[~keep2d] = 0
    return codes.astype(np.uint16), scales, mins
