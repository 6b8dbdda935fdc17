"""The `threads` run option: validated, carried in the spec JSON, read by both runners, recorded in the latency block
whether set or left to the runtime's default."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from core.runspec import RunOptions, RunSpec
from core.samples.evaldata import EvalData
from core.spec import CompressionSpec, SpecError
from core.worker import loop, runner, tflite_runner


class Events(list):
    """The events a runner emits, as (type, fields)."""

    def append_event(self, kind, **fields):
        self.append((kind, fields))


FAST = {"min_iters": 2, "max_iters": 3, "max_seconds": 1.0, "min_seconds": 0.0, "warmup_iters": 1}


def test_threads_round_trip_through_the_spec_json():
    spec = RunSpec("digits-cnn", CompressionSpec.parse("q8"), RunOptions(threads=3))
    assert spec.to_json()["options"]["threads"] == 3
    assert RunSpec.from_json(spec.to_json()).options.threads == 3
    assert (
        RunSpec.from_json(RunSpec("digits-cnn", CompressionSpec.parse("q8")).to_json()).options.threads
        is None
    )


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, 4096])
def test_impossible_thread_counts_are_one_line_errors(bad):
    with pytest.raises(SpecError, match="threads"):
        RunOptions(threads=bad).validate()


def test_the_command_line_and_the_setup_form_set_it():
    from tui.cli.main import build_parser
    from tui.cli.preflight import options_from
    from tui.view.setupform import OPTION_FIELDS, parse_options

    assert options_from(build_parser().parse_args(["run", "--threads", "2"])).threads == 2
    assert options_from(build_parser().parse_args(["run"])).threads is None
    values = {name: "" for name, _, _ in OPTION_FIELDS}
    values.update(ci_target_pct="5", min_iters="30", max_iters="100", min_seconds="1", max_seconds="2")
    values.update(idle_seconds="0", repeat="1")
    assert parse_options(values, RunOptions()).threads is None  # empty: the runtime's default
    assert parse_options(dict(values, threads="4"), RunOptions()).threads == 4
    with pytest.raises(SpecError, match="threads"):
        parse_options(dict(values, threads="0"), RunOptions())
    args = argparse.Namespace(**vars(build_parser().parse_args(["run"])))
    del args.threads  # a caller that builds its own namespace without the flag still works
    assert options_from(args).threads is None


def test_the_graph_runner_reads_it_and_records_it(monkeypatch):
    import inspect
    from types import SimpleNamespace

    assert runner.Options({}).threads is None
    assert runner.Options({"threads": 2}).threads == 2

    class Timed(Exception):
        """Stops _measure once the timing loop was asked for: what follows is not this test's business."""

    def time_inference(run_once, options, emit, phase_event, variant, **latency_extra):
        raise Timed(latency_extra)

    monkeypatch.setattr(runner, "time_inference", time_inference)
    built = SimpleNamespace(inputs=["x:0"], outputs=["y:0"], counts={"nodes": 1})
    evaluation = SimpleNamespace(x=np.zeros((4, 3), np.float32), y=None, vocab=None)
    for threads, note in ((None, "TensorFlow's default"), (2, "2 intra-op threads, 1 inter-op thread")):
        options = runner.Options(dict(FAST, trace_passes=0, threads=threads))
        args = [None, built, {}, evaluation, options, lambda *a, **k: None, lambda name: None, "q8", {"x": 1}]
        extra = list(inspect.signature(runner._measure).parameters)[len(args) :]  # later additions: empty
        with pytest.raises(Timed) as timed:
            runner._measure(*args, *({} for _ in extra))
        latency = timed.value.args[0]
        assert latency["runtime"] == "tf-graph" and latency["session_options"] == {"x": 1}
        assert latency["threads"] == threads and latency["threads_note"].startswith(note)


def test_the_session_config_sizes_the_pools():
    tf = pytest.importorskip("tensorflow")
    from core.artifact.graph_build import session_config, session_options

    default, two = session_config(tf), session_config(tf, 2)
    assert (default.intra_op_parallelism_threads, default.inter_op_parallelism_threads) == (0, 0)
    assert (two.intra_op_parallelism_threads, two.inter_op_parallelism_threads) == (2, 1)
    assert (
        two.graph_options.rewrite_options.constant_folding
        == default.graph_options.rewrite_options.constant_folding
    )
    assert session_options(2)["intra_op_parallelism_threads"] == 2
    assert session_options()["inter_op_parallelism_threads"] == 0


def test_the_tflite_runner_passes_it_to_the_interpreter_and_records_it(monkeypatch):
    monkeypatch.setattr(loop, "WARMUP_MIN_S", 0.0)
    made = []

    class FakeModel:
        interpreter_name = "fake"

        def __init__(self, path, num_threads):
            made.append(num_threads)
            self.num_threads = tflite_runner.RUNTIME_DEFAULT_THREADS if num_threads is None else num_threads

        def set_input(self, x):
            pass

        def invoke(self):
            return np.zeros((1, 2), np.float32)

    monkeypatch.setattr(tflite_runner, "TfliteModel", FakeModel)
    unlabelled = EvalData(np.zeros((4, 3), np.float32), None, "synthetic", None)
    for threads, effective in ((None, 1), (3, 3)):
        events = Events()
        options = runner.Options(dict(FAST, threads=threads))
        tflite_runner.run_tflite("m.tflite", unlabelled, options, events.append_event,
                                 lambda name: None, "tflite:int8")  # fmt: skip
        latency = next(f for k, f in events if k == "latency")
        assert made[-1] == threads  # None reaches the interpreter as None: its own default
        assert latency["threads"] == threads and latency["num_threads"] == effective
        assert ("default" in latency["threads_note"]) == (threads is None)
