"""Bit packing and Rice coding: exact round trips, exact lengths, and the documented bit layout."""

from __future__ import annotations

import numpy as np
import pytest

from core.artifact.bitpack import (
    best_rice_k,
    pack_bits,
    packed_size_bytes,
    rice_decode,
    rice_encode,
    rice_size_bytes,
    unpack_bits,
)

COUNTS = (0, 1, 2, 7, 8, 9, 13, 1001)


def _reference_pack(codes: np.ndarray, bits: int) -> bytes:
    """The documented layout written the slow, obvious way: value i at bits [i*bits, (i+1)*bits), LSB first."""
    stream = 0
    for i, code in enumerate(codes.tolist()):
        stream |= int(code) << (i * bits)
    return stream.to_bytes(packed_size_bytes(len(codes), bits), "little")


@pytest.mark.parametrize("bits", range(1, 33))
def test_round_trip_and_length_for_every_width(bits: int) -> None:
    rng = np.random.default_rng(bits)
    for count in COUNTS:
        codes = rng.integers(0, 1 << bits, size=count, dtype=np.uint64)
        if count >= 2:
            codes[:2] = (0, (1 << bits) - 1)  # both extremes of the range
        buf = pack_bits(codes, bits)
        assert len(buf) == -(-count * bits // 8)
        out = unpack_bits(buf, bits, count)
        assert out.dtype == (np.uint16 if bits <= 16 else np.uint32)
        np.testing.assert_array_equal(out, codes)


@pytest.mark.parametrize("bits", [1, 2, 3, 5, 6, 7, 8, 11, 16, 17, 32])
def test_layout_matches_reference(bits: int) -> None:
    codes = np.random.default_rng(0).integers(0, 1 << bits, size=37, dtype=np.uint64)
    assert pack_bits(codes, bits) == _reference_pack(codes, bits)


def test_chunk_boundaries_round_trip() -> None:
    # More values than one internal chunk (2**18), and a count that is not a multiple of 8.
    codes = np.random.default_rng(1).integers(0, 1 << 6, size=(1 << 18) * 2 + 5)
    np.testing.assert_array_equal(unpack_bits(pack_bits(codes, 6), 6, codes.size), codes)


def test_rejects_out_of_range_codes_and_widths() -> None:
    with pytest.raises(ValueError, match="lie in"):
        pack_bits(np.array([0, 64]), 6)
    with pytest.raises(ValueError, match="lie in"):
        pack_bits(np.array([-1, 3]), 6)
    with pytest.raises(TypeError):
        pack_bits(np.array([0.5]), 6)
    with pytest.raises(ValueError, match="bit width"):
        pack_bits(np.array([1]), 0)
    with pytest.raises(ValueError, match="bit width"):
        unpack_bits(b"", 33, 0)


def test_unpack_rejects_wrong_length() -> None:
    buf = pack_bits(np.arange(10), 6)
    with pytest.raises(ValueError, match="expected 8"):
        unpack_bits(buf[:-1], 6, 10)
    with pytest.raises(ValueError, match="expected 8"):
        unpack_bits(buf + b"\0", 6, 10)


def test_a_layer_sized_tensor_round_trips() -> None:
    # 150K 6-bit codes (a mid-sized conv layer); how long it takes is printed by benchmarks/bench_bitpack.py.
    codes = np.random.default_rng(2).integers(0, 64, size=150_000)
    buf = pack_bits(codes, 6)
    assert len(buf) == packed_size_bytes(codes.size, 6) == 112_500
    np.testing.assert_array_equal(unpack_bits(buf, 6, codes.size), codes)


@pytest.mark.parametrize("k", [0, 1, 3, 5, 16])
def test_rice_round_trip_and_size(k: int) -> None:
    rng = np.random.default_rng(k)
    for count in COUNTS:
        values = rng.geometric(0.1, size=count) - 1
        buf = rice_encode(values, k)
        assert len(buf) == rice_size_bytes(values, k)
        np.testing.assert_array_equal(rice_decode(buf, k, count), values)


def test_rice_formula_and_best_k() -> None:
    values = np.array([0, 5, 9, 1])
    # k=2: remainders 4*2 bits = 1 byte; quotients 0,1,2,0 -> 3 ones + 4 zeros = 7 bits = 1 byte.
    assert rice_size_bytes(values, 2) == 2
    gaps = np.random.default_rng(3).geometric(0.05, size=5000) - 1
    k = best_rice_k(gaps)
    sizes = [rice_size_bytes(gaps, j) for j in range(20)]
    assert sizes[k] == min(sizes)
    # Near the entropy of a geometric(0.05) gap: about 5.7 bits each, far below a 17-bit flat index.
    assert rice_size_bytes(gaps, k) * 8 / gaps.size < 6.2


def test_rice_decode_rejects_damage() -> None:
    buf = rice_encode(np.array([3, 0, 7, 2]), 1)
    with pytest.raises(ValueError, match="exactly"):
        rice_decode(buf + b"\0", 1, 4)
    with pytest.raises(ValueError, match="exactly"):
        rice_decode(buf, 1, 9)
    with pytest.raises(ValueError):
        rice_encode(np.array([-1]), 1)
