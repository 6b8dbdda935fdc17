"""Quantization, magnitude pruning and the per-tensor codec, on plain numpy arrays (no TensorFlow)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from core.artifact.bitpack import packed_size_bytes, rice_size_bytes
from core.compress.prune import magnitude_mask, pruned_count
from core.compress.quantize import dequantize, quantize
from core.compress.tensorcodec import (
    CodecError,
    TensorMeta,
    choose_encoding,
    decode_tensor,
    encode_tensor,
    gaps_between,
)
from core.spec import CompressionSpec

SPECS = (
    "baseline",
    "q16",
    "q8",
    "q6",
    "q2",
    "p0.05",
    "p0.25",
    "p0.9",
    "q8+p0.25",
    "p0.25+q8",
    "q4+p0.5",
    "p0.05+q6",
)


@pytest.fixture(scope="module")
def kernel() -> np.ndarray:
    return np.random.default_rng(0).normal(0.0, 0.05, size=(3, 3, 32, 64)).astype(np.float32)


# --- quantize -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits", range(2, 17))
def test_dequantized_error_is_within_half_a_step(bits: int, kernel: np.ndarray) -> None:
    q = quantize(kernel, bits)
    restored = dequantize(q)
    assert restored.dtype == np.float32 and restored.shape == kernel.shape
    assert q.scale == pytest.approx((kernel.max() - kernel.min()) / (2**bits - 1))
    assert int(q.codes.min()) == 0 and int(q.codes.max()) == 2**bits - 1
    # The bound is scale/2 in exact arithmetic; allow the one final rounding to float32.
    slack = np.spacing(np.abs(kernel).astype(np.float32))
    assert np.all(np.abs(restored - kernel) <= q.scale / 2 + slack)


def test_constant_and_empty_tensors_do_not_divide_by_zero() -> None:
    q = quantize(np.full((4, 5), -0.75, dtype=np.float32), 8)
    assert q.scale == 0.0 and not q.codes.any()
    np.testing.assert_array_equal(dequantize(q), np.full((4, 5), -0.75, dtype=np.float32))
    empty = quantize(np.zeros((0, 3), dtype=np.float32), 8)
    assert dequantize(empty).shape == (0, 3)


def test_quantize_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="bits"):
        quantize(np.ones((2, 2)), 1)
    with pytest.raises(ValueError, match="bits"):
        quantize(np.ones((2, 2)), 17)
    with pytest.raises(ValueError, match="NaN"):
        quantize(np.array([[1.0, np.nan]]), 8)


# --- prune ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0])
def test_prune_removes_exactly_the_smallest(fraction: float, kernel: np.ndarray) -> None:
    keep = magnitude_mask(kernel, fraction)
    assert keep.shape == kernel.shape and keep.dtype == bool
    assert int((~keep).sum()) == round(fraction * kernel.size)
    if 0 < fraction < 1:
        assert np.abs(kernel[~keep]).max() <= np.abs(kernel[keep]).min()


def test_prune_ties_are_broken_by_lowest_index_first() -> None:
    w = np.array([[0.5, -0.1, 0.1, 0.1], [0.1, -0.1, 0.9, 0.1]], dtype=np.float32)  # six tied at |0.1|
    keep = magnitude_mask(w, 0.5)  # removes 4 of the 6 ties: flat positions 1, 2, 3, 4
    expected = np.array([[True, False, False, False], [False, True, True, True]])
    np.testing.assert_array_equal(keep, expected)
    np.testing.assert_array_equal(magnitude_mask(np.zeros((3, 3)), 1 / 3), np.arange(9).reshape(3, 3) >= 3)


def test_pruned_count_rounds() -> None:
    assert pruned_count(10, 0.25) == round(2.5) == 2
    assert pruned_count(7, 0.5) == 4
    assert pruned_count(1, 0.95) == 1
    with pytest.raises(ValueError, match="fraction"):
        magnitude_mask(np.ones((2, 2)), 1.5)


def _bits(spec: CompressionSpec) -> int | None:
    return spec.quant_step.bits if spec.quant_step else None


def _fraction(spec: CompressionSpec) -> float | None:
    return spec.prune_step.fraction if spec.prune_step else None


# --- codec ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", SPECS)
def test_codec_round_trip(text: str, kernel: np.ndarray) -> None:
    spec = CompressionSpec.parse(text)
    meta, payload = encode_tensor(kernel, spec)
    restored = decode_tensor(TensorMeta.from_json(meta.to_json()), payload)
    assert restored.dtype == np.float32 and restored.shape == kernel.shape
    fraction = _fraction(spec) or 0.0
    zeros, pruned = int((restored == 0).sum()), round(fraction * kernel.size)
    if _bits(spec) is None:
        assert zeros == pruned  # the kernel itself has no zeros
    else:
        assert pruned <= zeros <= pruned + int((np.abs(kernel) <= meta.scale / 2).sum())  # 0 is on the grid
    if _bits(spec) is None:
        survivors = restored != 0
        np.testing.assert_array_equal(restored[survivors], kernel[survivors])  # float32 values kept exactly


def test_quantize_then_prune_prunes_the_dequantized_weights(kernel: np.ndarray) -> None:
    meta, payload = encode_tensor(kernel, CompressionSpec.parse("q8+p0.25"))
    q = quantize(kernel, 8, zero_exact=True)
    dequantized = dequantize(q)
    expected = np.where(magnitude_mask(dequantized, 0.25), dequantized, np.float32(0.0))
    np.testing.assert_array_equal(decode_tensor(meta, payload), expected)
    assert meta.min_value == q.min_value <= float(kernel.min())  # range of the whole tensor, 0 on the grid


def test_prune_then_quantize_uses_the_survivors_range(kernel: np.ndarray) -> None:
    meta, payload = encode_tensor(kernel, CompressionSpec.parse("p0.25+q8"))
    keep = magnitude_mask(kernel, 0.25)
    q = quantize(kernel[keep], 8, zero_exact=True)
    assert (meta.scale, meta.min_value) == (q.scale, q.min_value)
    expected = np.zeros_like(kernel)
    expected[keep] = dequantize(q)
    np.testing.assert_array_equal(decode_tensor(meta, payload), expected)


def test_one_dimensional_and_integer_tensors_are_stored_as_they_are() -> None:
    bias = np.linspace(-1, 1, 64, dtype=np.float32)
    meta, payload = encode_tensor(bias, CompressionSpec.parse("q2+p0.9"))
    assert (meta.encoding, meta.bits, len(payload)) == ("dense", None, 4 * 64)
    np.testing.assert_array_equal(decode_tensor(meta, payload), bias)
    counter = np.arange(6, dtype=np.int64).reshape(2, 3)
    meta, payload = encode_tensor(counter, CompressionSpec.parse("q8"))
    assert meta.encoding == "raw"
    restored = decode_tensor(TensorMeta.from_json(meta.to_json()), payload)
    assert restored.dtype == np.int64
    np.testing.assert_array_equal(restored, counter)


@pytest.mark.parametrize("text", SPECS)
def test_payload_sizes_follow_the_formulas(text: str, kernel: np.ndarray) -> None:
    spec = CompressionSpec.parse(text)
    meta, payload = encode_tensor(kernel, spec)
    n = kernel.size
    value_bits = _bits(spec) or 32
    kept = n - round((_fraction(spec) or 0.0) * n)
    if meta.encoding == "dense":
        assert len(payload) == packed_size_bytes(n, value_bits)
    elif meta.encoding == "bitmap":
        assert len(payload) == -(-n // 8) + packed_size_bytes(kept, value_bits)
    else:
        restored = decode_tensor(meta, payload)
        listed = restored != 0 if meta.encoding == "kept_gaps" else restored == 0
        gaps = gaps_between(np.flatnonzero(listed))
        assert len(payload) == rice_size_bytes(gaps, meta.rice_k) + packed_size_bytes(kept, value_bits)
    keep = decode_tensor(meta, payload).ravel() != 0 if _fraction(spec) else np.ones(n, dtype=bool)
    assert len(payload) == choose_encoding(keep, value_bits)[2]


def test_choice_is_the_smallest_form(kernel: np.ndarray) -> None:
    sizes = {
        t: len(encode_tensor(kernel, CompressionSpec.parse(t))[1]) for t in ("q8", "q8+p0.05", "q8+p0.25")
    }
    n = kernel.size
    assert sizes["q8"] == n
    assert sizes["q8+p0.05"] < sizes["q8"]  # Rice-coded gaps cost less than the 5% of codes they save
    assert sizes["q8+p0.25"] < 7 * n / 8  # beats a bitmap (1 bit + 0.75 * 8 bits a weight)
    for text, expected in (("p0.05", "pruned_gaps"), ("p0.5", "bitmap"), ("p0.95", "kept_gaps")):
        assert encode_tensor(kernel, CompressionSpec.parse(text))[0].encoding == expected


def test_prune_that_rounds_to_nothing_stays_dense() -> None:
    meta, payload = encode_tensor(np.ones((2, 3), dtype=np.float32), CompressionSpec.parse("q8+p0.05"))
    assert meta.encoding == "dense" and len(payload) == 6


@pytest.mark.parametrize("text", ["q6", "p0.25", "p0.05", "p0.95", "p0.5+q8"])
def test_damaged_payloads_raise_codec_error(text: str, kernel: np.ndarray) -> None:
    meta, payload = encode_tensor(kernel, CompressionSpec.parse(text))
    with pytest.raises(CodecError):
        decode_tensor(meta, payload[:-1])
    with pytest.raises(CodecError):
        decode_tensor(meta, payload + b"\xff")


def test_malformed_table_entry_raises_codec_error() -> None:
    with pytest.raises(CodecError, match="malformed"):
        TensorMeta.from_json({"shape": [2], "encoding": "dense"})


def test_compress_package_does_not_import_tensorflow() -> None:
    code = "import sys, core.compress; sys.exit(int('keras' in sys.modules or 'tensorflow' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- zero on the grid, per-channel scales, integer codes for the run-time form ----------------------------------


@pytest.mark.parametrize("bits", [2, 4, 6, 8, 16])
def test_zero_exact_puts_zero_on_the_grid_within_half_a_step(bits: int, kernel: np.ndarray) -> None:
    plain, q = quantize(kernel, bits), quantize(kernel, bits, zero_exact=True)
    zero_code = -q.min_value / q.scale
    assert zero_code == round(zero_code)  # an integer zero point
    assert q.min_value + round(zero_code) * q.scale == 0.0  # decodes to exactly 0.0
    top = 2**bits - 1
    assert plain.scale <= q.scale <= plain.scale * top / (top - 1) + 1e-12
    slack = np.spacing(np.abs(kernel).astype(np.float32))
    assert np.all(np.abs(dequantize(q) - kernel) <= q.scale / 2 + slack)


def _channels_of_different_ranges() -> np.ndarray:
    """A 3x3x16x8 kernel whose output channels span ranges 1000x apart: one shared scale wastes most codes."""
    rng = np.random.default_rng(1)
    spread = np.logspace(-3, 0, 8, dtype=np.float32)
    return (rng.normal(size=(3, 3, 16, 8)) * spread).astype(np.float32)


@pytest.mark.parametrize("bits", [4, 8])
def test_per_channel_error_is_at_most_the_per_tensor_error(bits: int) -> None:
    w = _channels_of_different_ranges()
    errors = {}
    for text in (f"q{bits}", f"q{bits}:ch"):
        meta, payload = encode_tensor(w, CompressionSpec.parse(text))
        restored = decode_tensor(TensorMeta.from_json(meta.to_json()), payload)
        errors[text] = np.abs(restored - w).max(axis=(0, 1, 2))  # worst error per output channel
    assert np.all(errors[f"q{bits}:ch"] <= errors[f"q{bits}"] + 1e-7)
    assert errors[f"q{bits}:ch"][0] < errors[f"q{bits}"][0] / 10  # the smallest channel gains the most


def test_per_channel_stores_one_scale_and_min_per_output_channel() -> None:
    w = _channels_of_different_ranges()
    meta, payload = encode_tensor(w, CompressionSpec.parse("q6:ch"))
    assert (meta.channels, meta.channel_dims, meta.scale, meta.min_value) == (8, 1, None, None)
    assert len(payload) == packed_size_bytes(w.size, 6) + 8 * 4 * 2  # codes + float32 min and scale each
    depthwise = np.random.default_rng(2).normal(size=(3, 3, 4, 2)).astype(np.float32)
    meta, _ = encode_tensor(depthwise, CompressionSpec.parse("q8:ch"), channel_dims=2)
    assert meta.channels == 8  # input channel x multiplier
    with pytest.raises(CodecError):
        decode_tensor(meta, b"\x00" * 10)


@pytest.mark.parametrize("text", ["q8", "q8:ch", "q8+p0.25", "p0.25+q8:ch", "q16", "q6+p0.5"])
def test_codes_decode_to_the_float_weights(text: str, kernel: np.ndarray) -> None:
    """The run-time form's integer codes and affine map give the load form's floats; pruned weights give 0."""
    from core.artifact.tensordecode import decode_codes

    meta, payload = encode_tensor(kernel, CompressionSpec.parse(text))
    entry = meta.to_json()
    codes, scales, mins = decode_codes(entry, payload)
    assert codes.shape == kernel.shape and codes.dtype == np.uint16
    floats = decode_tensor(meta, payload)
    channel = np.arange(kernel.size).reshape(kernel.shape) % (scales.size if scales.ndim else 1)
    scale = scales[channel] if scales.ndim else scales
    low = mins[channel] if mins.ndim else mins
    rebuilt = low.astype(np.float64) + codes * scale.astype(np.float64)
    np.testing.assert_allclose(rebuilt, floats, rtol=0, atol=1e-6 * float(np.abs(kernel).max()))
    if "p" in text:
        assert np.all(np.abs(rebuilt[floats == 0]) <= 1e-7 * float(np.abs(kernel).max()))
