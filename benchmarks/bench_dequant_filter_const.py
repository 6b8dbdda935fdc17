"""Why is run-time de-quantization slower than its Dequantize ops? Checks whether oneDNN loses its constant filters.

Builds baseline, q8 (run-time de-quantization) and q8:load graphs of one model in one process, each in a session
with the run stage's options, and prints: whether oneDNN marked each convolution's filter constant
(`is_filter_const` in the partition graphs, which lets it cache the re-ordered filter), the median wall time of
interleaved runs, and the traced time of convolutions (class A) and de-quantization (class F). Run it twice, with
TF_ENABLE_ONEDNN_OPTS=1 and =0: if the q8 slowdown shrinks to about the Dequantize time without oneDNN, the rest
was oneDNN re-ordering non-constant filters on every inference.

    python benchmarks/bench_dequant_filter_const.py digits-cnn
    TF_ENABLE_ONEDNN_OPTS=0 python benchmarks/bench_dequant_filter_const.py resnet50 --weights random --runs 20
    python benchmarks/bench_dequant_filter_const.py resnet50 --weights random --runs 20 --weights-form const
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tensorflow as tf  # noqa: E402

from core.artifact.graph_build import build_graph, open_session  # noqa: E402
from core.compress.freeze import freeze_model  # noqa: E402
from core.compress.writer import save_artifact  # noqa: E402
from core.measure.profile import op_times_s  # noqa: E402
from core.models.builders import load_model  # noqa: E402

SETTINGS = ("baseline", "q8", "q8:load")


def sessions(model: Any, folder: str, weights_form: str) -> dict[str, tuple[Any, Any, dict[str, str]]]:
    graph_def, inputs, outputs = freeze_model(model)
    raw = graph_def.SerializeToString()
    out = {}
    for setting in SETTINGS:
        copy = tf.compat.v1.GraphDef()
        copy.ParseFromString(raw)
        path = save_artifact(copy, inputs, outputs, setting, Path(folder) / f"{setting}.tcz").path
        built = build_graph(path, weights_form)
        ops = {n.name: n.op for n in built.graph_def.node}
        out[setting] = (open_session(built, tf), built, ops)
    return out


def filter_const(sess: Any, built: Any, feed: dict[str, Any]) -> list[Any]:
    metadata = tf.compat.v1.RunMetadata()
    sess.run(
        built.outputs,
        feed,
        options=tf.compat.v1.RunOptions(output_partition_graphs=True),
        run_metadata=metadata,
    )
    return [
        n.attr["is_filter_const"].b if "is_filter_const" in n.attr else None
        for graph in metadata.partition_graphs
        for n in graph.node
        if "Conv" in n.op
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--weights", choices=["random"], default=None)
    parser.add_argument("--runs", type=int, default=400, help="interleaved timed runs per setting")
    parser.add_argument("--traces", type=int, default=5)
    parser.add_argument("--weights-form", choices=["const", "variables"], default="variables")
    args = parser.parse_args()
    model = load_model(args.model, args.weights)
    x = np.random.default_rng(0).random((1, *model.inputs[0].shape[1:]), dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        runs = sessions(model, folder, args.weights_form)
        times: dict[str, list[float]] = {s: [] for s in runs}
        for sess, built, _ in runs.values():
            for _ in range(20):
                sess.run(built.outputs, {built.inputs[0]: x})
        for _ in range(args.runs):
            for setting, (sess, built, _) in runs.items():
                start = time.perf_counter()
                sess.run(built.outputs, {built.inputs[0]: x})
                times[setting].append(time.perf_counter() - start)
        onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")
        print(f"{args.model}, weights {args.weights_form}, TF_ENABLE_ONEDNN_OPTS={onednn}")
        base = float(np.median(times["baseline"]))
        for setting, (sess, built, ops) in runs.items():
            feed = {built.inputs[0]: x}
            classes: dict[str, float] = {}
            for _ in range(args.traces):
                metadata = tf.compat.v1.RunMetadata()
                options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
                sess.run(built.outputs, feed, options=options, run_metadata=metadata)
                for (_, cls), seconds in op_times_s(metadata.step_stats, ops).items():
                    classes[cls] = classes.get(cls, 0.0) + seconds / args.traces
            consts = sorted({str(c) for c in filter_const(sess, built, feed)})
            median = float(np.median(times[setting]))
            print(
                f"  {setting:<9} median {median * 1e3:8.3f} ms  x{median / base:.3f}  "
                f"conv (A) {classes.get('A', 0) * 1e3:8.3f} ms  dequantize (F) {classes.get('F', 0) * 1e3:7.3f} ms  "
                f"is_filter_const {'/'.join(consts)}"
            )
            sess.close()


if __name__ == "__main__":
    main()
