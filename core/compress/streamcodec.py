"""Encode one weight tensor for the artifact with bounded memory: payload pieces, table entry and non-zero count.

The common forms (float32 dense, the baseline; per-tensor N-bit quantization without pruning, "qN" and
"qN:load") are coded here chunk by chunk, so a 400 MB VGG kernel never has its float copy, its uint16 codes and
its packed bytes alive at once, and its non-zeros are counted from the codes instead of decoding the tensor again.
Everything else (pruning, per-channel scales) goes through tensorcodec.encode_tensor. Both give byte-identical
payloads for the same input (a test holds it).
"""

from __future__ import annotations

import numpy as np

from core.artifact.bitpack import pack_bits
from core.artifact.tensordecode import dequantize_codes
from core.compress.quantize import affine_range
from core.compress.tensorcodec import TensorMeta, decode_tensor, encode_tensor, tensor_steps
from core.spec import CompressionSpec, Step

# Elements per chunk: a multiple of 8, so packed chunks of any width join on byte boundaries.
CHUNK_VALUES = 1 << 20  # 8 MB as float64: the per-chunk temporaries stay small beside the model


def encode_pieces(
    w: np.ndarray, spec: CompressionSpec, channel_dims: int = 1
) -> tuple[TensorMeta, list[bytes | memoryview], int]:
    """Table entry, payload pieces (in order; bytes, or byte views of `w` itself) and the count of non-zero
    decoded values of `w` under `spec`."""
    arr = np.asarray(w)
    if np.issubdtype(arr.dtype, np.floating):
        steps = tensor_steps(spec) if arr.ndim >= 2 else ()
        if not steps:
            return _float_dense(arr)
        if len(steps) == 1 and steps[0].kind == "q" and not steps[0].per_channel:
            return _quantized_dense(arr, steps[0])
    meta, payload = encode_tensor(arr, spec, channel_dims)
    return meta, [payload], int(np.count_nonzero(decode_tensor(meta, payload)))


def _float_dense(arr: np.ndarray) -> tuple[TensorMeta, list[bytes | memoryview], int]:
    """Every value as little-endian float32, the form of uncompressed weights: a float32 `arr` is its own
    payload (a byte view, no copy)."""
    flat = np.ascontiguousarray(arr.ravel(), dtype="<f4")
    meta = TensorMeta(tuple(int(d) for d in arr.shape), arr.dtype.name, "dense", stored=int(flat.size))
    return meta, [flat.data.cast("B")], int(np.count_nonzero(flat))


def _quantized_dense(arr: np.ndarray, step: Step) -> tuple[TensorMeta, list[bytes | memoryview], int]:
    """Per-tensor codes over the whole range with 0 on the grid (as tensorcodec does), packed chunk by chunk."""
    assert step.bits is not None  # the parser sets bits on every q step
    bits, levels = step.bits, (1 << step.bits) - 1
    flat = arr.ravel()
    if flat.dtype != np.float32:
        flat = flat.astype(np.float32)
    shape = tuple(int(d) for d in arr.shape)
    lo, hi = (float(flat.min()), float(flat.max())) if flat.size else (0.0, 0.0)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("cannot quantize a tensor that holds NaN or inf; check the model's weights")
    scale_array, min_array = affine_range(np.array(lo), np.array(hi), levels, True)
    scale, min_value = float(scale_array), float(min_array)
    pieces: list[bytes | memoryview] = []
    nonzero = 0
    for start in range(0, flat.size, CHUNK_VALUES):
        part = flat[start : start + CHUNK_VALUES].astype(np.float64)
        if scale > 0:  # in place: one float64 chunk alive, not one per operation
            part -= min_value
            part /= scale
            codes = np.clip(np.rint(part, out=part), 0, levels, out=part).astype(np.uint16)
        else:
            codes = np.zeros(part.size, dtype=np.uint16)
        del part
        nonzero += int(np.count_nonzero(dequantize_codes(codes, scale, min_value)))
        pieces.append(pack_bits(codes, bits))
    meta = TensorMeta(shape, arr.dtype.name, "dense", bits, scale, min_value, stored=int(flat.size))
    return meta, pieces, nonzero
