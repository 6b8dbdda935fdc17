"""core.run.livestate: worker and session events folded into the run state that the recorder, the run screen and the
CLI progress all read."""

from __future__ import annotations

from core.run.livestate import LiveState

COMPRESS_STAGE = [
    {"type": "session", "state": "worker-start", "variant": "q8", "stage": "compress"},
    {"type": "hello", "pid": 11, "tensorflow": "2.21.0", "variant": "q8"},
    {"type": "phase", "variant": "q8", "name": "compress", "rss_bytes": 100, "t": 1.0},
    {"type": "model", "variant": "q8", "params": 10, "size_bytes": 40, "artifact": "runs/m-q8.tcz"},
    {"type": "result", "variant": "q8", "status": "complete"},
    {"type": "session", "state": "worker-exit", "variant": "q8", "stage": "compress", "returncode": 0},
]
RUN_STAGE = [
    {"type": "session", "state": "worker-start", "variant": "q8", "stage": "run"},
    {"type": "hello", "pid": 12, "tensorflow": "1.15.5", "variant": "q8"},
    {"type": "phase", "variant": "q8", "name": "timing", "rss_bytes": 300, "t": 2.0},
    {"type": "progress", "variant": "q8", "iter": 40, "mean_s": 0.0021, "ci95_halfwidth_pct": 9.5, "target_pct": 5.0},
    {"type": "progress", "variant": "q8", "iter": 90, "mean_s": 0.0020, "ci95_halfwidth_pct": None, "target_pct": 5.0},
    {"type": "window", "variant": "q8", "t0": 2.0, "t1": 2.5, "n": 90},
]  # fmt: skip


def test_two_stages_fold_into_one_variant():
    state = LiveState(["baseline", "q8"])
    for event in COMPRESS_STAGE:
        state.apply(event)
    q8 = state.variants["q8"]
    assert state.current == "q8" and q8.phase == "compress" and q8.model["size_bytes"] == 40
    assert q8.worker == "exited" and q8.returncode == 0 and q8.stage == "compress"
    assert not q8.done  # the artifact exists; nothing is measured yet
    for event in RUN_STAGE:
        state.apply(event)
    assert q8.worker == "running" and q8.pid == 12 and q8.hello["tensorflow"] == "1.15.5"
    assert q8.iteration == 90 and q8.mean_s == 0.0020 and q8.ci95_halfwidth_pct is None
    assert q8.ci_history == [9.5] and q8.converged is None
    assert q8.windows == [(2.0, 2.5, 90)] and set(q8.phases) == {"compress", "timing"}
    assert q8.model["artifact"] == "runs/m-q8.tcz"  # kept across the stages
    state.apply({"type": "latency", "variant": "q8", "n": 90, "mean_s": 0.0019, "ci95_halfwidth_pct": 4.0,
                 "converged": True})  # fmt: skip
    assert q8.converged is True and q8.mean_s == 0.0019 and q8.ci95_halfwidth_pct == 4.0
    state.apply({"type": "result", "variant": "q8", "status": "complete"})
    assert q8.done and q8.status == "complete"
    assert state.variants["baseline"].phase is None and not state.variants["baseline"].done


def test_ops_eval_errors_and_warnings_land_on_their_variant():
    state = LiveState(["baseline"])
    state.apply({"type": "ops", "variant": "baseline", "passes": 1, "by_class": {"A": 0.001}})
    state.apply({"type": "ops", "variant": "baseline", "passes": 2, "by_class": {"A": 0.002}})
    state.apply({"type": "eval", "variant": "baseline", "top1": 0.97, "dataset": "digits"})
    state.apply({"type": "error", "variant": "baseline", "message": "out of memory", "phase": "timing"})
    state.apply({"type": "log", "variant": "baseline", "level": "warning", "message": "CPU scaling on"})
    state.apply({"type": "log", "level": "info", "message": "sensor jtop: not active"})  # the session's own
    base = state.variants["baseline"]
    assert base.ops["passes"] == 2 and base.eval["top1"] == 0.97
    assert base.errors == ["out of memory"] and base.warnings == ["CPU scaling on"]


def test_session_events_set_the_session_state_and_idle_power():
    state = LiveState(["baseline"])
    assert state.apply({"type": "session", "state": "idle", "message": "measuring"}) is None
    state.apply({"type": "session", "state": "idle-done", "idle_power_w": 3.1})
    assert state.session_state == "idle-done" and state.idle_power_w == 3.1


def test_a_new_worker_process_runs_again_and_unknown_events_are_ignored():
    state = LiveState(["baseline"])
    state.apply({"type": "run", "variant": "baseline", "run": {"status": "complete"}})
    base = state.variants["baseline"]
    assert base.done and base.status == "complete"
    state.apply({"type": "session", "state": "worker-start", "variant": "baseline"})  # --repeat: process 2
    assert not base.done and base.worker == "starting"
    state.apply({"type": "surprise", "variant": "baseline", "payload": 1})
    assert not base.done and base.phase is None
