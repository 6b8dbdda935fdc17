"""How long do bit packing and Rice coding take on layer-sized tensors? (numpy only, no model)

Packs and unpacks N random codes at each bit width, and Rice-codes geometric values (what pruned zeros' run lengths
look like), printing milliseconds per direction and MB/s of codes. The unit tests check exact round trips and sizes;
these are the figures. The first version's target: pack + unpack of 150K 6-bit codes well under 0.25 s.

    python benchmarks/bench_bitpack.py [count]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.artifact.bitpack import best_rice_k, pack_bits, rice_decode, rice_encode, unpack_bits  # noqa: E402


def best_ms(fn, repeat: int = 5) -> float:
    """The fastest of `repeat` runs in milliseconds (the least disturbed by the rest of the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000.0


def main(count: int = 150_000) -> None:
    rng = np.random.default_rng(0)
    for bits in (2, 4, 6, 8, 12, 16):
        codes = rng.integers(0, 2**bits, size=count)
        buf = pack_bits(codes, bits)
        pack_ms = best_ms(lambda codes=codes, bits=bits: pack_bits(codes, bits))
        unpack_ms = best_ms(lambda buf=buf, bits=bits: unpack_bits(buf, bits, count))
        print(f"{bits:2d}-bit x {count}: pack {pack_ms:7.2f} ms, unpack {unpack_ms:7.2f} ms, "
              f"{len(buf) / 1e3:8.1f} kB, {count / 1e3 / (pack_ms + unpack_ms):7.1f} M codes/s both ways")  # fmt: skip
    values = rng.geometric(0.1, size=count) - 1
    k = best_rice_k(values)
    buf = rice_encode(values, k)
    encode_ms = best_ms(lambda: rice_encode(values, k))
    decode_ms = best_ms(lambda: rice_decode(buf, k, count))
    print(f"Rice k={k} x {count} geometric(0.1) values: encode {encode_ms:.2f} ms, decode {decode_ms:.2f} ms, "
          f"{len(buf) / 1e3:.1f} kB")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150_000)
