"""The run stage: load an artifact, build its graph, warm up, time, trace ops and evaluate, one event per result.

One graph in one tf.compat.v1 Session serves timing, the per-op trace and evaluation, with SESSION_OPTIONS (constant
folding off, so the run-time de-quantization stays in the graph) for every variant alike. Traced runs are separate
from timed runs. A `.tflite` artifact goes to the TFLite runner instead. Reads the run spec JSON itself (core.spec
needs a modern Python) and imports only numpy, TensorFlow's v1 API and Python 3.6-compatible modules, so the same
runner works on a TX2's Python 3.6 with TensorFlow 1.15 and on a current Python with TensorFlow 2.x.
"""

import gc
import os
import platform
from typing import Any, Callable, Dict, List, Optional, Tuple  # noqa: F401 (used by the type comments)

import numpy as np

from core.samples.evaldata import NO_LABELS_REASON, eval_data_path, load_eval_data
from core.worker.loop import time_inference

EVAL_BATCH = 256
RANDOM_WEIGHTS_REASON = "random weights: accuracy is meaningless"
# RunOptions' defaults, for a spec JSON that leaves some out (the session always sends them all).
_OPTION_DEFAULTS = {
    "ci_target_pct": 5.0,
    "min_iters": 30,
    "max_iters": 20000,
    "max_seconds": 20.0,
    "min_seconds": 2.0,
    "warmup_iters": 10,
    "batch_size": 1,
    "trace_passes": 3,
    "eval_limit": None,
    "threads": None,
    "paired": True,
    "paired_block_s": None,  # the session sends the length it chose
    "paired_target_pct": 2.0,
    "paired_threshold_pct": 2.0,
    "paired_max_seconds": 10.0,
    "weights_form": "auto",
}  # type: Dict[str, Any]
# Per-op traced passes run between timed chunks, the first at the first boundary and then one every this many
# seconds, so the per-op panel fills while the variant is timed (a traced pass is never a timed one; core.measure.timing keeps callbacks out of the windows).
TRACE_EVERY_S = 1.0
TF_DEFAULT_THREADS = (
    "TensorFlow's default (intra-op and inter-op pools 0: TensorFlow sizes them, about one per core)"
)


class Options:
    """The run options of a spec JSON as attributes (the subset the run stage uses)."""

    def __init__(self, data):
        # type: (Dict[str, Any]) -> None
        get = dict(_OPTION_DEFAULTS, **data).__getitem__
        self.ci_target_pct = float(get("ci_target_pct"))
        self.min_iters = int(get("min_iters"))
        self.max_iters = int(get("max_iters"))
        self.max_seconds = float(get("max_seconds"))
        self.min_seconds = float(get("min_seconds"))
        self.warmup_iters = int(get("warmup_iters"))
        self.batch_size = int(get("batch_size"))
        self.trace_passes = int(get("trace_passes"))
        self.eval_limit = get("eval_limit")  # type: Optional[int]
        self.threads = int(get("threads")) if get("threads") else None  # type: Optional[int]
        self.paired = bool(get("paired"))
        block_s = get("paired_block_s")  # None: the paired stage's own LATENCY_BLOCK_S
        self.paired_block_s = None if block_s is None else float(block_s)  # type: Optional[float]
        self.paired_target_pct = float(get("paired_target_pct"))
        self.paired_threshold_pct = float(get("paired_threshold_pct"))
        self.paired_max_seconds = float(get("paired_max_seconds"))
        self.weights_form = str(get("weights_form"))


def run_stage(data, emit, phase_event):
    # type: (Dict[str, Any], Callable[..., None], Callable[[str], None]) -> None
    """Measure the artifact named in the spec JSON `data` and emit hello, latency, window, ops and eval events."""
    variant = str(data.get("compression", "baseline"))
    options = Options(data.get("options") or {})
    artifact = str(data["artifact"])
    if artifact.endswith(".tflite"):
        _run_tflite(data, artifact, options, emit, phase_event, variant)
        return
    import tensorflow as tf

    from core.artifact.graph_build import session_options

    settings = session_options(options.threads)
    settings["weights_form"], settings["weights_form_reason"] = weights_form_for(
        weight_bytes_of([artifact]), options.weights_form
    )
    _hello(emit, data, tf, settings)
    phase_event("load")
    evaluation = load_eval_data(eval_data_path(data))
    sess, built, graph_ops = open_graph(artifact, options.threads, emit, settings["weights_form"])
    try:
        _measure(sess, built, graph_ops, evaluation, options, emit, phase_event, variant, settings, data)
    finally:
        sess.close()


def weight_bytes_of(artifacts):
    # type: (List[str]) -> int
    """Bytes the weights of `artifacts` take once loaded, together: a graph's weights in its run graph, a .tflite
    file's size (the interpreter maps the file)."""
    from core.artifact.graph_build import graph_weight_bytes

    return sum(os.path.getsize(a) if a.endswith(".tflite") else graph_weight_bytes(a) for a in artifacts)


def weights_form_for(weight_bytes, requested):
    # type: (int, str) -> Tuple[str, str]
    """(form, why) for graphs holding `weight_bytes` of weights together in this process (core.artifact.weightsform)."""
    from core.artifact.weightsform import choose_weights_form, mem_available_bytes

    return choose_weights_form(requested, weight_bytes, mem_available_bytes())


def open_graph(artifact, threads, emit, weights_form):
    # type: (str, Optional[int], Callable[..., None], str) -> Any
    """(session, built graph, node name -> op) for a graph artifact, its weights in `weights_form` ("const" or
    "variables"), in its own tf.Graph and Session with the SESSION_OPTIONS every variant shares; the paired stage
    opens two of them in one process."""
    import tensorflow as tf

    from core.artifact.graph_build import build_graph, session_config

    built = build_graph(artifact, weights_form)
    _drop_unknown_attrs(built.graph_def, emit)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(built.graph_def, name="")
    graph_ops = {node.name: node.op for node in built.graph_def.node}
    built.graph_def = None  # the Graph holds the constants now; drop the proto copy
    gc.collect()
    sess = tf.compat.v1.Session(graph=graph, config=session_config(tf, threads))
    built.load_weights(sess)  # each weight into its variable, once (core.artifact.graph_build)
    return sess, built, graph_ops


def timed_input(evaluation, batch_size):
    # type: (Any, int) -> np.ndarray
    """The input every timed inference runs on: the first `batch_size` samples (a translation: the first sentences
    cut to their own length, core.worker.seq_runner)."""
    x = evaluation.x[:batch_size]
    if evaluation.vocab is not None:
        from core.worker.seq_runner import trim_padding

        x = trim_padding(x)
    return x


def _measure(sess, built, graph_ops, evaluation, options, emit, phase_event, variant, session_options, data):
    # type: (Any, Any, Dict[str, str], Any, Options, Callable[..., None], Callable[[str], None], str, Dict[str, Any], Dict[str, Any]) -> None  # noqa: E501
    from core.measure.profile import trace_session

    feed = {built.inputs[0]: timed_input(evaluation, options.batch_size)}
    fetches = built.outputs

    def run_once():
        # type: () -> None
        sess.run(fetches, feed)  # returns numpy: the wall clock covers the whole inference

    from core.artifact.graph_build import counts_words

    emit("log", level="info", message=counts_words(built.counts))
    threads = options.threads
    threads_note = TF_DEFAULT_THREADS if threads is None else f"{threads} intra-op threads, 1 inter-op thread"
    tracer = _LiveTrace(trace_session(sess, fetches, feed, options.trace_passes, graph_ops), options.trace_passes,
                        emit, variant)  # fmt: skip
    time_inference(run_once, options, emit, phase_event, variant, between_chunks=tracer.maybe_trace,
                   runtime="tf-graph", session_options=session_options, graph=built.counts, threads=threads,
                   threads_note=threads_note)  # fmt: skip
    if tracer.done < options.trace_passes:
        phase_event("tracing")
        tracer.finish()

    phase_event("evaluating")
    if evaluation.vocab is not None:
        from core.worker.seq_runner import evaluate_translation

        evaluate_translation(sess, built, evaluation, emit, variant)
    else:
        _evaluate(sess, built, evaluation, emit, variant, data)
    phase_event("done")


class _LiveTrace:
    """The per-op trace, one pass at a time: between timed chunks (every TRACE_EVERY_S) and the rest after timing,
    each pass emitted as an `ops` event with the running average, so the per-op panel fills during the run."""

    def __init__(self, profiles, passes, emit, variant):
        # type: (Any, int, Callable[..., None], str) -> None
        self._profiles = profiles
        self._passes = passes
        self._emit = emit
        self._variant = variant
        self._last_s = -TRACE_EVERY_S  # the first pass at the first chunk boundary: the panel fills at once
        self.done = 0

    def _next(self):
        # type: () -> None
        profile = next(self._profiles)
        self.done = profile.passes
        self._emit("ops", variant=self._variant, final=profile.passes == self._passes, **profile.to_dict())

    def maybe_trace(self, elapsed_s):
        # type: (float) -> None
        """One traced pass when a pass is due (called between timed chunks, outside the timing windows)."""
        if self.done < self._passes and elapsed_s - self._last_s >= TRACE_EVERY_S:
            self._last_s = elapsed_s
            self._next()

    def finish(self):
        # type: () -> None
        while self.done < self._passes:
            self._next()


def _evaluate(sess, built, evaluation, emit, variant, data):
    # type: (Any, Any, Any, Callable[..., None], str, Dict[str, Any]) -> None
    """Accuracy on the evaluation samples, in batches, on the timed graph (null with the reason without labels or
    with random weights), and fidelity against the baseline's outputs on the same samples (core.measure.fidelity)."""
    from core.measure.fidelity import fidelity_block

    parts = [
        sess.run(built.outputs[0], {built.inputs[0]: evaluation.x[i : i + EVAL_BATCH]})
        for i in range(0, len(evaluation.x), EVAL_BATCH)
    ]
    scores = np.concatenate(parts) if parts else np.zeros((0,))
    try:
        fidelity = fidelity_block(variant, scores, built.header.get("source") or {}, evaluation.x,
                                  eval_data_path(data))  # fmt: skip
    except (OSError, ValueError, KeyError) as exc:  # an unreadable outputs file loses fidelity, not the run
        fidelity = {"agreement": None, "kl_mean": None, "n_samples": 0, "reference": None, "reason": str(exc)}
    random_weights = data.get("weights") == "random"
    if evaluation.y is None or random_weights:
        emit("eval", variant=variant, dataset=evaluation.name if random_weights else None, n_samples=0, top1=None,
             top5=None, precision=None, recall=None, f1=None, fidelity=fidelity,
             reason=RANDOM_WEIGHTS_REASON if random_weights else NO_LABELS_REASON)  # fmt: skip
        return
    from core.measure.metrics import classification_metrics

    emit("eval", variant=variant, dataset=evaluation.name, fidelity=fidelity,
         **classification_metrics(evaluation.y, scores))  # fmt: skip


def _hello(emit, data, tf, session_options):
    # type: (Callable[..., None], Dict[str, Any], Any, Dict[str, Any]) -> None
    devices = tf.config.experimental.list_physical_devices()
    emit(
        "hello",
        pid=os.getpid(),
        python=platform.python_version(),
        tensorflow=tf.__version__,
        backend="gpu" if any(d.device_type == "GPU" for d in devices) else "cpu",
        devices=[d.name for d in devices],
        spec=data,
        stage="run",
        session_options=session_options,
    )


def _drop_unknown_attrs(graph_def, emit):
    # type: (Any, Callable[..., None]) -> None
    """Let an older TensorFlow import a graph written by a newer one (attributes it does not know are dropped)."""
    from core.artifact.graphcompat import drop_unknown_attrs

    dropped = drop_unknown_attrs(graph_def)
    if dropped:
        emit(
            "log",
            level="info",
            message="dropped attributes this TensorFlow does not know: " + ", ".join(dropped),
        )


def _run_tflite(data, artifact, options, emit, phase_event, variant):
    # type: (Dict[str, Any], str, Options, Callable[..., None], Callable[[str], None], str) -> None
    """TFLite forms run under LiteRT's interpreter (core.worker.tflite_runner, Python 3.9+: no 3.6 wheels)."""
    from core.worker.tflite_runner import run_tflite

    emit("hello", pid=os.getpid(), python=platform.python_version(), tensorflow=None, backend="cpu",
         devices=[], spec=data, stage="run")  # fmt: skip
    phase_event("load")
    evaluation = load_eval_data(eval_data_path(data))
    run_tflite(artifact, evaluation, options, emit, phase_event, variant)
    phase_event("done")
