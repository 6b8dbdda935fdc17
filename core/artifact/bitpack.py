"""Pack unsigned integer codes of any width from 1 to 32 bits into bytes, so a 6-bit weight really costs 0.75 bytes;
and Golomb-Rice code the gaps between sparse positions.

Layout: value i occupies stream bits [i*bits, (i+1)*bits), least significant bit first, and stream bit j is bit
j % 8 of byte j // 8 (little-endian throughout). For 8, 16 and 32 bits this is exactly the little-endian uint
array, which is the fast path. Work is done in chunks of whole bytes so memory stays bounded on large tensors.
"""

from typing import Union  # noqa: F401 (used by the type comments)

import numpy as np

MAX_PACK_BITS = 32
_CHUNK_VALUES = 1 << 18  # a multiple of 8, so every chunk starts on a byte boundary whatever the width


def packed_size_bytes(count, bits):
    # type: (int, int) -> int
    """Bytes that `count` codes of `bits` bits take once packed: ceil(count * bits / 8)."""
    return (count * bits + 7) // 8


def pack_bits(codes, bits):
    # type: (np.ndarray, int) -> bytes
    """Pack non-negative integer `codes` (each < 2**bits) into ceil(len * bits / 8) bytes, in flat C order."""
    _check_bits(bits)
    flat = np.asarray(codes).ravel()
    if flat.size == 0:
        return b""
    if not np.issubdtype(flat.dtype, np.integer):
        raise TypeError(f"pack_bits needs integer codes, got {flat.dtype}")
    if int(flat.min()) < 0 or int(flat.max()) >= 1 << bits:
        raise ValueError(f"codes must lie in [0, {(1 << bits) - 1}] to be packed in {bits} bits")
    if bits in (8, 16, 32):
        return flat.astype(f"<u{bits // 8}").tobytes()
    word = _word_dtype(bits)
    width_bytes = word.itemsize
    parts = []
    for start in range(0, flat.size, _CHUNK_VALUES):
        chunk = np.ascontiguousarray(flat[start : start + _CHUNK_VALUES], dtype=word)
        as_bytes = chunk.view(np.uint8).reshape(-1, width_bytes)
        bit_matrix = np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :bits]
        parts.append(np.packbits(bit_matrix, bitorder="little").tobytes())
    return b"".join(parts)


def unpack_bits(buf, bits, count):
    # type: (Union[bytes, memoryview], int, int) -> np.ndarray
    """Inverse of pack_bits: `count` codes as a flat uint16 array (uint32 above 16 bits); the length must match."""
    _check_bits(bits)
    expected = packed_size_bytes(count, bits)
    if count < 0 or len(buf) != expected:
        raise ValueError(
            f"packed buffer has {len(buf)} bytes, expected {expected} for {count} codes of {bits} bits"
        )
    word = _word_dtype(bits)
    if count == 0:
        return np.zeros(0, dtype=word)
    raw = np.frombuffer(buf, dtype=np.uint8)
    if bits in (8, 16, 32):
        return raw.view(f"<u{bits // 8}").astype(word)
    width_bits = word.itemsize * 8
    out = np.empty(count, dtype=word)
    chunk_bytes = _CHUNK_VALUES * bits // 8
    for index, start in enumerate(range(0, count, _CHUNK_VALUES)):
        n = min(_CHUNK_VALUES, count - start)
        piece = raw[index * chunk_bytes : index * chunk_bytes + packed_size_bytes(n, bits)]
        bit_matrix = np.unpackbits(piece, count=n * bits, bitorder="little").reshape(n, bits)
        padded = np.zeros((n, width_bits), dtype=np.uint8)
        padded[:, :bits] = bit_matrix
        out[start : start + n] = (
            np.packbits(padded, axis=1, bitorder="little").view(word.newbyteorder("<")).ravel()
        )
    return out


def _word_dtype(bits):
    # type: (int) -> np.dtype
    return np.dtype(np.uint16) if bits <= 16 else np.dtype(np.uint32)


def _check_bits(bits):
    # type: (int) -> None
    if not isinstance(bits, (int, np.integer)) or not 1 <= bits <= MAX_PACK_BITS:
        raise ValueError(f"bit width {bits!r} is not supported; use an integer from 1 to {MAX_PACK_BITS}")


def rice_size_bytes(values, k):
    # type: (np.ndarray, int) -> int
    """Bytes rice_encode(values, k) takes: k-bit remainders, then one unary quotient (q ones and a zero) each."""
    flat = np.asarray(values, dtype=np.int64).ravel()
    remainders = packed_size_bytes(flat.size, k) if k else 0
    return remainders + packed_size_bytes(int((flat >> k).sum()) + flat.size, 1)


def best_rice_k(values):
    # type: (np.ndarray) -> int
    """The Rice parameter k that makes rice_encode(values, k) smallest (ties to the smaller k)."""
    flat = np.asarray(values, dtype=np.int64).ravel()
    top = int(flat.max()).bit_length() if flat.size else 0
    sizes = [rice_size_bytes(flat, k) for k in range(top + 1)]
    return int(np.argmin(sizes))


def rice_encode(values, k):
    # type: (np.ndarray, int) -> bytes
    """Golomb-Rice code of non-negative integers: near-entropy for the geometric gaps between pruned positions.

    The k-bit remainders are packed first as one fixed-width block, then the unary quotients as one bit stream,
    so both directions vectorize (the quotients are read back from the positions of the zeros).
    """
    if not 0 <= k <= MAX_PACK_BITS:
        raise ValueError(f"Rice parameter {k!r} must lie in [0, {MAX_PACK_BITS}]")
    flat = np.asarray(values, dtype=np.int64).ravel()
    if flat.size and int(flat.min()) < 0:
        raise ValueError("Rice coding needs non-negative integers")
    remainders = pack_bits(flat & ((1 << k) - 1), k) if k else b""
    quotients = flat >> k
    unary = np.ones(int(quotients.sum()) + flat.size, dtype=np.uint8)
    unary[np.cumsum(quotients + 1) - 1] = 0
    return remainders + np.packbits(unary, bitorder="little").tobytes()


def rice_decode(buf, k, count):
    # type: (Union[bytes, memoryview], int, int) -> np.ndarray
    """Inverse of rice_encode: `count` int64 values; raises ValueError unless the buffer is exactly that long."""
    if not 0 <= k <= MAX_PACK_BITS or count < 0:
        raise ValueError(f"Rice parameter {k!r} or count {count!r} is out of range")
    remainder_size = packed_size_bytes(count, k) if k else 0
    if len(buf) < remainder_size:
        raise ValueError(
            f"Rice buffer has {len(buf)} bytes, fewer than the {remainder_size} its remainders need"
        )
    remainders = (
        unpack_bits(buf[:remainder_size], k, count).astype(np.int64) if k else np.zeros(count, np.int64)
    )
    unary = np.unpackbits(np.frombuffer(buf[remainder_size:], dtype=np.uint8), bitorder="little")
    ends = np.flatnonzero(unary == 0)[:count]
    used_bits = int(ends[-1]) + 1 if count and ends.size == count else 0
    if ends.size != count or packed_size_bytes(used_bits, 1) != len(buf) - remainder_size:
        raise ValueError(f"Rice buffer of {len(buf)} bytes does not hold exactly {count} values")
    quotients = np.diff(ends, prepend=-1) - 1
    return (quotients << k) | remainders
