"""Peak memory and time of the compress stage for one model and setting (random weights), in a fresh process.

Usage: python benchmarks/bench_compress_memory.py [MODEL [SETTING [WORKDIR]]]   (default: vgg16 q8; the NMT preset
is `nmt`)
Prints the model's float bytes; the RSS once TensorFlow, Keras and the builders are imported (the footprint's zero);
the RSS and peak after building the model; the peak at the end of compress+save; each as a multiple of the float
bytes (issue 10's and issue 17's target for the peak: at most 2.5), the footprint (peak minus the RSS before the
model was built) and the seconds spent building and compressing (wall clock: busy machines make them noisy).
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
GIB = 2**30


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def main() -> None:
    model_name = sys.argv[1] if len(sys.argv) > 1 else "vgg16"
    setting = sys.argv[2] if len(sys.argv) > 2 else "q8"
    workdir = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tempfile.mkdtemp(prefix="bench-compress-"))
    import keras  # noqa: F401  (imported before the zero, as the compress stage has it)
    import tensorflow  # noqa: F401

    from core.compress.pipeline import artifact_path, compress_model
    from core.models.builders import load_model
    from core.spec import CompressionSpec

    spec = CompressionSpec.parse(setting)
    zero = _rss_bytes()
    t0 = time.perf_counter()
    model = load_model(model_name, "random")
    float_bytes = int(model.count_params()) * 4  # float32 weights
    built_rss, built_peak = _rss_bytes(), _peak_rss_bytes()
    t1 = time.perf_counter()
    path = artifact_path(workdir, model_name, spec)
    info, _ = compress_model(model, spec, path, {"model": model_name, "weights": "random"})
    t2 = time.perf_counter()
    peak = _peak_rss_bytes()

    def figure(size: int) -> str:
        return f"{size / GIB:.2f} GiB ({size / float_bytes:.2f}x)"

    print(
        f"{model_name} {setting}: float weights {float_bytes / 2**20:.0f} MiB, artifact {info.size_bytes / 2**20:.1f} MiB"
    )
    print(f"RSS with TensorFlow and Keras imported (the footprint's zero): {figure(zero)}")
    print(f"build {t1 - t0:.1f} s (busy): RSS after {figure(built_rss)}, peak so far {figure(built_peak)}")
    print(f"compress+save {t2 - t1:.1f} s (busy): peak RSS {figure(peak)} of float bytes")
    print(f"footprint (peak minus the zero): {figure(peak - zero)}; compress's own rise over the built model: "
          f"{figure(max(0, peak - built_rss))}")  # fmt: skip


if __name__ == "__main__":
    main()
