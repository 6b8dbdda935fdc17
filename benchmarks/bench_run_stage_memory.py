"""RSS of the run stage at each of its steps, so every multiple of the model's bytes has a name (issue 17).

Usage: python benchmarks/bench_run_stage_memory.py MODEL [--settings baseline,q8] [--weights-forms variables,const]
       [--workdir DIR]
Each setting is compressed once (seeded random weights, cached in the workdir) in its own process, then measured in
a fresh process: RSS after TensorFlow is imported (the footprint's zero), the artifact read, the graph built,
imported, the session created, the weights loaded, the first inference and steady state (5 more), and the peak
(ru_maxrss). The footprint is the peak minus the RSS after the import, beside the model's float weight bytes and,
for run-time de-quantization, its integer code bytes plus the largest single layer's float bytes.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MIB = 2**20
STEPS = (
    "tf_imported",
    "artifact_read",
    "graph_built",
    "graph_imported",
    "session_created",
    "weights_loaded",
    "first_inference",
    "steady_state",
)


def _rss_parts() -> dict[str, int]:
    """VmRSS, and its RssAnon (heap, buffers: what the model and TensorFlow allocate) and RssFile (mapped library
    and file pages, which the kernel can drop and re-read), bytes."""
    parts = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                parts[key] = int(value.split()[0]) * 1024
    return parts


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def compress(model_name: str, setting: str, workdir: Path) -> None:
    """Write the artifact of `setting` (random weights) into `workdir`."""
    from core.compress.pipeline import artifact_path, compress_model
    from core.models.builders import load_model
    from core.spec import CompressionSpec

    spec = CompressionSpec.parse(setting)
    model = load_model(model_name, "random")
    compress_model(model, spec, artifact_path(workdir, model_name, spec), {"model": model_name})


def measure(path: str, weights_form: str) -> dict[str, object]:
    """The run stage's steps on the artifact at `path`, weights in `weights_form`, RSS after each (bytes)."""
    import gc

    import numpy as np

    rss: dict[str, int] = {}
    parts: dict[str, dict[str, int]] = {}

    def mark(step: str) -> None:
        parts[step] = _rss_parts()
        rss[step] = parts[step]["VmRSS"]

    import tensorflow as tf

    mark("tf_imported")
    from core.artifact import graph_build
    from core.artifact.container import read_container

    header, payload = read_container(path)
    mark("artifact_read")
    weights = _weight_bytes(header)
    del header, payload
    gc.collect()
    built = graph_build.build_graph(path, weights_form)
    mark("graph_built")
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(built.graph_def, name="")
    built.graph_def = None
    gc.collect()
    mark("graph_imported")
    sess = tf.compat.v1.Session(graph=graph, config=graph_build.session_config(tf))
    mark("session_created")
    built.load_weights(sess)  # the variable form: each weight fed once into its variable
    mark("weights_loaded")
    x_name = built.inputs[0]
    x = graph.get_tensor_by_name(x_name)
    shape = [1 if d is None else d for d in x.shape.as_list()]
    if x.dtype.is_floating:
        feed = np.random.default_rng(0).standard_normal(shape).astype(x.dtype.as_numpy_dtype)
    else:  # token ids: a 12-token sentence
        feed = np.full([1, 12] if len(shape) == 2 else shape, 5, dtype=x.dtype.as_numpy_dtype)
    sess.run(built.outputs, {x_name: feed})
    mark("first_inference")
    for _ in range(5):
        sess.run(built.outputs, {x_name: feed})
    mark("steady_state")
    return {"rss": rss, "parts": parts, "peak": _peak(), "counts": built.counts, **weights}


def _weight_bytes(header: dict[str, object]) -> dict[str, int]:
    """Float bytes of every weight, and the largest single one (what one de-quantized layer costs)."""
    import numpy as np

    sizes = [int(np.prod(e["shape"])) * 4 for e in header["tensors"]]  # type: ignore[index,union-attr]
    return {"float_bytes": sum(sizes), "largest_float_bytes": max(sizes, default=0)}


def _child(*args: str) -> str:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"child {args} failed with {proc.returncode}")
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--settings", default="baseline,q8")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "bench-run-stage-memory"))
    parser.add_argument("--compress-only", action="store_true")
    parser.add_argument("--weights-forms", default="variables", help="comma-separated: variables,const")
    parser.add_argument("--_compress", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._compress:
        compress(args.model, args._compress[0], Path(args._compress[1]))
        print(json.dumps({"compress_peak": _peak()}))
        return
    if args._measure:
        print(json.dumps(measure(*args._measure)))
        return
    from core.compress.pipeline import artifact_path
    from core.spec import CompressionSpec

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        "| model | setting | weights | "
        + " | ".join(STEPS)
        + " | peak | footprint | float MiB | footprint/float |"
    )
    print("|---" * (len(STEPS) + 7) + "|")
    for setting in args.settings.split(","):
        path = artifact_path(workdir, args.model, CompressionSpec.parse(setting))
        if not path.exists():
            peak = json.loads(_child(args.model, "--_compress", setting, str(workdir)).splitlines()[-1])
            print(
                f"<!-- {args.model} {setting}: compress stage peak RSS {peak['compress_peak'] / MIB:.0f} MiB -->"
            )
        if args.compress_only:
            continue
        for form in args.weights_forms.split(","):
            data = json.loads(_child(args.model, "--_measure", str(path), form).splitlines()[-1])
            rss, peak = data["rss"], data["peak"]
            footprint = peak - rss["tf_imported"]
            float_bytes = data["float_bytes"]
            cells = [f"{rss[s] / MIB:.0f}" for s in STEPS]
            line = f"| {args.model} | {setting} | {form} | " + " | ".join(cells)
            line += f" | {peak / MIB:.0f} | {footprint / MIB:.0f} | {float_bytes / MIB:.0f} | {footprint / float_bytes:.2f}"
            counts = data["counts"]
            if counts.get("integer_bytes"):
                budget = counts["integer_bytes"] + data["largest_float_bytes"]
                line += f" (codes+largest layer {budget / MIB:.0f} MiB: {footprint / budget:.2f}x)"
            print(line + " |", flush=True)
            zero, steady = data["parts"]["tf_imported"], data["parts"]["steady_state"]
            grew = {k: (steady[k] - zero[k]) / MIB for k in ("RssAnon", "RssFile")}
            print(f"<!-- {args.model} {setting} {form}: growth after the import at steady state: anonymous "
                  f"{grew['RssAnon']:.0f} MiB, file-backed (library pages) {grew['RssFile']:.0f} MiB -->", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
