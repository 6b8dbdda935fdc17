"""Peak memory and time of the compress stage for one model and setting (random weights), in a fresh process.

Usage: python benchmarks/bench_compress_memory.py vgg16 q8 [workdir]
Prints the model's float bytes, the peak RSS after building the model and at the end, their ratio to the float
bytes (issue 10's target: at most 2.5), and the seconds spent compressing and saving.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def main() -> None:
    model_name = sys.argv[1] if len(sys.argv) > 1 else "vgg16"
    setting = sys.argv[2] if len(sys.argv) > 2 else "q8"
    workdir = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tempfile.mkdtemp(prefix="bench-compress-"))
    from core.compress.pipeline import artifact_path, compress_model
    from core.models.builders import load_model
    from core.spec import CompressionSpec

    spec = CompressionSpec.parse(setting)
    t0 = time.perf_counter()
    model = load_model(model_name, "random")
    float_bytes = int(model.count_params()) * 4  # float32 weights
    built_rss = _peak_rss_bytes()
    t1 = time.perf_counter()
    path = artifact_path(workdir, model_name, spec)
    info, _ = compress_model(model, spec, path, {"model": model_name, "weights": "random"})
    t2 = time.perf_counter()
    peak = _peak_rss_bytes()
    gib = 1024**3
    print(
        f"{model_name} {setting}: float weights {float_bytes / 2**20:.0f} MiB, artifact {info.size_bytes / 2**20:.1f} MiB"
    )
    print(
        f"build {t1 - t0:.1f} s, peak RSS after build {built_rss / gib:.2f} GiB ({built_rss / float_bytes:.2f}x)"
    )
    print(
        f"compress+save {t2 - t1:.1f} s, peak RSS {peak / gib:.2f} GiB ({peak / float_bytes:.2f}x float bytes)"
    )


if __name__ == "__main__":
    main()
