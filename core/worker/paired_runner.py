"""The paired stage: the baseline and a compressed artifact loaded in one process and timed in alternating ABBA
blocks, so whatever drifts (clocks, heat, other load, the process's own layout) hits both alike.

Why one process rather than two taking turns: two processes differ from each other by 5-37% (memory layout,
allocator and oneDNN caches), and that difference would stay in every pair; in one process both graphs share it.
What needs isolation stays in each variant's own run stage (core.worker.runner): its memory footprint, per-op trace
and evaluation. Each graph has its own tf.Graph and Session with the options every variant shares.

Events: `pair` about once a second (the live ratio and its interval), then `paired` with every block's window
(the session integrates power over them, core.run.paired) and the latency ratio. Python 3.6-compatible.
"""

import gc
import math
import os
import platform
import time
from typing import Any, Callable, Dict, List, Optional, Tuple  # noqa: F401 (used by the type comments)

from core.measure.paired import (
    LATENCY_BLOCK_S,
    METHOD_PAIRS,
    MIN_PAIRS,
    group_log_ratios,
    group_pattern,
    halfwidth_pct,
    ratio_interval,
    stop_reason,
)
from core.samples.evaldata import eval_data_path, load_eval_data
from core.worker.loop import warm_up
from core.worker.runner import Options, open_graph, timed_input, weight_bytes_of, weights_form_for

GROUP = 4  # blocks in a group: ABBA or BAAB (core.measure.paired.group_pattern)
# Loaded copies of each graph, taken in turn group by group. Two copies of one artifact in one process differ by up
# to 5% (A/A: 0.946 (0.918-0.974) after 10 pairs; where each copy's buffers land), an offset no number of pairs of
# one copy averages out; rotating copies puts it inside the interval and halves it in the ratio. Only while the
# copies are small: the pair's weights within COPIES_MAX_BYTES.
COPIES = 2
COPIES_MAX_BYTES = 64 << 20
PAIR_EVERY_S = 1.0  # live `pair` events: the dashboard redraws its ratio panel at about 1 Hz
Block = Tuple[int, float, float, int, float]  # noqa: UP006 (variant index, monotonic t0, t1, inferences, seconds)


def paired_stage(data, emit, phase_event):
    # type: (Dict[str, Any], Callable[..., None], Callable[[str], None]) -> None
    """Load both artifacts named in the spec's `paired` block, warm both up, time them in ABBA blocks until the
    ratio's interval is narrow enough, clearly beyond 1 +/- the threshold, or the time cap; emit `paired`."""
    paired = data["paired"]
    labels = [str(v) for v in paired["variants"]]
    options = Options(data.get("options") or {})
    emit("hello", pid=os.getpid(), python=platform.python_version(), tensorflow=_tf_version(paired["artifacts"]),
         spec=data, stage="paired")  # fmt: skip
    phase_event("load")
    x = timed_input(load_eval_data(eval_data_path(data)), options.batch_size)
    artifacts = [str(a) for a in paired["artifacts"]]
    form = None  # type: Optional[str]
    why = "TFLite: the interpreter holds its own weights"
    weight_bytes = weight_bytes_of(artifacts)
    if not all(a.endswith(".tflite") for a in artifacts):
        form, why = weights_form_for(weight_bytes, options.weights_form)  # one form for both: loaded together
    copies = COPIES if weight_bytes <= COPIES_MAX_BYTES else 1
    runners = []  # type: List[List[Tuple[Callable[[], Any], Callable[[], None]]]]
    try:
        runners = [[], []]
        for copy in range(
            copies
        ):  # loaded in ABBA order too (A1 B1 B2 A2): neither variant is always loaded first
            for variant in (0, 1) if copy % 2 == 0 else (1, 0):
                runners[variant].append(_open(artifacts[variant], x, options, emit, form or "variables"))
        phase_event("warmup")
        for run_once, _ in [r for variant in runners for r in variant]:
            warm_up(run_once, options.warmup_iters)
        phase_event("paired")
        latency, blocks = time_pairs([[r[0] for r in variant] for variant in runners], options, labels, emit)
        latency["weights_form"], latency["weights_form_reason"] = form, why
        latency["copies"] = copies
    finally:
        for _, close in [r for variant in runners for r in variant]:
            close()
    emit("paired", variant=labels[1], against=labels[0], blocks=[list(b) for b in blocks], latency=latency)
    phase_event("done")


def _tf_version(artifacts):
    # type: (List[str]) -> Optional[str]
    if all(str(a).endswith(".tflite") for a in artifacts):
        return None
    import tensorflow as tf

    return str(tf.__version__)


def _open(artifact, x, options, emit, weights_form):
    # type: (str, Any, Options, Callable[..., None], str) -> Tuple[Callable[[], Any], Callable[[], None]]
    """(run one inference, close) for a graph or a .tflite artifact, on the input every timed inference uses."""
    if artifact.endswith(".tflite"):
        from core.worker.tflite_runner import TfliteModel

        model = TfliteModel(artifact, options.threads)

        def run_tflite():
            # type: () -> None
            model.set_input(x)
            model.invoke()

        return run_tflite, lambda: None
    sess, built, _ = open_graph(artifact, options.threads, emit, weights_form)
    feed = {built.inputs[0]: x}
    fetches = built.outputs

    def run_graph():
        # type: () -> None
        sess.run(fetches, feed)

    return run_graph, sess.close


def time_pairs(run_fns, options, labels, emit, clock=time.perf_counter, window_clock=time.monotonic):
    # type: (List[Any], Any, List[str], Callable[..., None], Callable[[], float], Callable[[], float]) -> Tuple[Dict[str, Any], List[Block]]  # noqa: E501
    """Run ABBA/BAAB groups of blocks (each block: inferences of one variant until `paired_block_s` has passed) until
    the stopping rule (core.measure.paired.stop_reason) holds; (the latency block, the blocks). A variant given as
    a list of copies runs copy g mod len in group g (COPIES).

    The garbage collector is held off while timing; stats and events happen between groups, never inside a block.
    """
    block_s = options.paired_block_s or LATENCY_BLOCK_S
    method = METHOD_PAIRS.format(block_ms=block_s * 1000)
    blocks = []  # type: List[Block]
    interval = (float("nan"), None, None)  # type: Tuple[float, Optional[float], Optional[float]]
    copies = [fn if isinstance(fn, list) else [fn] for fn in run_fns]
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    start = clock()
    last_pair = start
    try:
        while True:
            group = len(blocks) // GROUP
            for variant in group_pattern(group):
                run_once = copies[variant][group % len(copies[variant])]
                w0 = window_clock()
                t0 = clock()
                n = 0
                while True:
                    run_once()
                    n += 1
                    t1 = clock()
                    if t1 - t0 >= block_s:
                        break
                blocks.append((variant, w0, window_clock(), n, t1 - t0))
            pairs = len(blocks) // GROUP
            interval = ratio_interval(group_log_ratios([b[4] for b in blocks], [b[3] for b in blocks]))
            now = clock()
            stopped = stop_reason(pairs, now - start, interval, options.paired_target_pct,
                                  options.paired_threshold_pct, MIN_PAIRS, options.paired_max_seconds)  # fmt: skip
            if stopped is not None or now - last_pair >= PAIR_EVERY_S:
                last_pair = now
                emit("pair", variant=labels[1], against=labels[0], pairs=pairs, ratio=interval[0],
                     ratio_ci95=None if interval[1] is None else [interval[1], interval[2]])  # fmt: skip
            if stopped is not None:
                break
    finally:
        if gc_was_enabled:
            gc.enable()
    latency = {
        "ratio": interval[0],
        "ratio_ci95": None if interval[1] is None else [interval[1], interval[2]],
        "pairs": len(blocks) // GROUP,
        "processes": 1,
        "method": method,
        "stopped": stopped,
        "block_s": block_s,
        "halfwidth_pct": _finite_or_none(halfwidth_pct(*interval)),
        "threshold_pct": options.paired_threshold_pct,
        "seconds": clock() - start,
    }  # type: Dict[str, Any]
    return latency, blocks


def _finite_or_none(value):
    # type: (float) -> Optional[float]
    return value if math.isfinite(value) else None
