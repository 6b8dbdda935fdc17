"""The real path end to end: CLI -> session -> worker processes (TensorFlow) on the demo model -> result JSON.

These start real worker subprocesses; `q8_run` (tests/conftest.py) is shared so the suite pays for it once, and its
recording also serves the checks of each worker stage (compress, then run) on their own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.report.result_file import validate_result
from core.run.session import Session
from tests.fixtures.runs import quick_config

pytestmark = pytest.mark.integration


def _runs(data):
    return {r["variant"]: r for r in data["runs"]}


def assert_stop_rule_reported(lat):
    """Converged means the 95% CI met the 5% target; otherwise a cap stopped the loop and the reason names it."""
    if lat["converged"]:
        assert lat["ci95_halfwidth_pct"] <= 5.0 and "CI half-width" in lat["reason"], lat
    else:
        assert "cap" in lat["reason"], lat
        assert lat["ci95_halfwidth_pct"] > 5.0 or "minimum iterations" in lat["reason"], lat


def assert_op_class_shares(ops):
    """Every traced op time is in exactly one of the paper's 7 classes, and the demo CNN's convolutions (A) count."""
    assert set(ops["by_class"]) == set("ABCDEFG")
    shares = {cls: seconds / ops["total_s"] for cls, seconds in ops["by_class"].items()}
    assert shares["A"] > 0.0, shares  # the demo model is a CNN: its convolutions were traced and classed as A
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.01), shares


def test_q8_result_validates_and_meets_the_issue_targets(q8_run):
    data = q8_run["data"]
    assert q8_run["proc"].returncode == 0, q8_run["proc"].stderr[-2000:]
    validate_result(data)
    assert data["status"] == "complete"
    runs = _runs(data)
    base, q8 = runs["baseline"], runs["q8"]
    # where the weights lived: the demo model's constants fit anywhere, so `auto` takes them, and says why
    forms = [r["latency"]["session_options"] for r in (base, q8)] + [q8["paired"]["latency"]]
    assert [f["weights_form"] for f in forms] == ["const"] * 3
    assert all(f["weights_form_reason"].startswith("auto: constants' extra copies") for f in forms)
    # size: 8-bit codes are a quarter of float32, plus a little header
    assert q8["model"]["size_bytes"] <= 0.27 * base["model"]["size_bytes"]
    assert base["model"]["params"] == q8["model"]["params"] > 100_000
    # accuracy: within one point of the baseline, and the baseline is the shipped model's
    assert base["accuracy"]["top1"] >= 0.95
    assert abs(q8["accuracy"]["top1"] - base["accuracy"]["top1"]) <= 0.01
    assert base["accuracy"]["n_samples"] == 450
    for run in (base, q8):
        lat = run["latency"]
        assert lat["n"] >= 20
        assert 0 < lat["median_s"] <= lat["p99_s"]
        assert_stop_rule_reported(lat)
        assert_op_class_shares(run["ops"])
        assert run["memory"]["peak_rss_bytes"] > run["memory"]["preload_rss_bytes"] > 0
    comparison = data["comparison"]
    size = next(m for m in comparison["metrics"] if m["key"] == "size_bytes")
    assert size["delta_pct"] < -73 and size["better"] is True


def test_without_a_power_sensor_power_energy_and_gpu_are_null_with_reasons(q8_run):
    run = _runs(q8_run["data"])["q8"]
    assert run["power"]["source"] is None  # q8_run uses `--sources host` on every machine
    assert run["power"]["mean_w"] is None and run["power"]["reason"]
    assert run["energy"]["j_per_inference"] is None and run["energy"]["reason"]
    assert run["gpu"]["mean_load_pct"] is None and run["gpu"]["reason"]


def test_summary_table_and_save_message(q8_run):
    out = q8_run["proc"].stdout + q8_run["proc"].stderr
    assert "Model size" in out and "Top-1 accuracy" in out
    assert f"saved {q8_run['path']}" in out.replace("\n", "")
    assert "Traceback" not in out


def _stage_events(recording, variant, stage):
    """The events of one worker stage of `variant`, from the run's recording (between its session worker-start
    and worker-exit events), so the stages are checked on the run this module already made."""
    events, inside = [], False
    for line in recording.read_text().splitlines():
        event = json.loads(line).get("event")
        if not event:
            continue
        if event.get("type") == "session" and event.get("variant") == variant and event.get("stage") == stage:
            if event.get("state") == "worker-start":
                inside = True
                continue
            if event.get("state") == "worker-exit":
                break
        if inside:
            events.append(event)
    return events


def _one(events, type_):
    found = [e for e in events if e["type"] == type_]
    assert len(found) == 1, f"{type_}: {len(found)} events"
    return found[0]


def test_compress_stage_writes_the_artifact_and_reports_its_form(q8_run):
    events = _stage_events(q8_run["dir"] / "rec.jsonl", "q8", "compress")
    assert _one(events, "hello")["stage"] == "compress"
    model = _one(events, "model")
    assert Path(model["artifact"]).name == "digits-cnn-q8.tcz"
    assert model["size_bytes"] == Path(model["artifact"]).stat().st_size
    assert model["quantization"]["bits"] == 8
    quantization = model["quantization"]
    assert (quantization["granularity"], quantization["dequant"]) == ("per-tensor", "runtime")
    assert not {"latency", "ops", "eval"} & {e["type"] for e in events}  # measuring is the run stage's job


def test_run_stage_measures_the_runtime_form(q8_run):
    events = _stage_events(q8_run["dir"] / "rec.jsonl", "q8", "run")
    hello = _one(events, "hello")
    assert hello["stage"] == "run" and hello["session_options"]["grappler_constant_folding"] == "OFF"
    latency = _one(events, "latency")
    assert latency["n"] >= 2 and latency["session_options"] == hello["session_options"]
    final = [e for e in events if e["type"] == "ops" and e["final"]][-1]
    assert final["by_class"]["F"] > 0 and final["by_type"]["Dequantize"] > 0
    evaluation = _one(events, "eval")
    assert evaluation["n_samples"] == 450 and evaluation["top1"] > 0.8  # the whole digits test split
    assert _one(events, "result")["status"] == "complete"
    (graph,) = [
        str(e["message"]) for e in events if e["type"] == "log" and str(e["message"]).startswith("graph")
    ]
    assert "integer weight tensors (" in graph and "{" not in graph  # words, not a Python dict


def test_worker_killed_mid_run_keeps_what_was_measured(tmp_path):
    """SIGKILL the worker (as the OOM killer would) once timing starts: a clear error, the model block kept."""
    events = []
    session = None

    def on_event(event):
        events.append(event)
        if event.get("type") == "phase" and event.get("name") == "timing":
            os.kill(session.worker_pid, signal.SIGKILL)

    config = quick_config(tmp_path, "q6", max_iters=100, min_seconds=0.5)
    session = Session(config, on_event)
    result = session.run()
    assert result["status"] == "partial"
    (run,) = result["runs"]
    assert run["model"]["size_bytes"] > 0  # measured before the kill, still there
    assert run["latency"] is None or run["latency"]["converged"] is False  # at most the last progress report
    assert any("killed by the out-of-memory killer at about" in e for e in result["errors"])
    validate_result(result)


# `tocompress` as a terminal's foreground job starts it: SIGINT at Python's default handler. A launcher that ignores
# SIGINT (any `cmd &` from a non-interactive shell) passes SIG_IGN down through pytest to the CLI, which then keeps
# ignoring it, as Python does for an inherited SIG_IGN (nohup's case): this test failed whenever the suite was started
# that way, unless an earlier test in the same xdist worker had installed a SIGINT handler of its own.
FOREGROUND_CLI = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from tui.cli.main import main; sys.exit(main())"
)


def _signal_state(pid):
    """The process's blocked, ignored and caught signal masks (hex), from /proc."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return " ".join(
        line.replace("\t", "") for line in lines if line.startswith(("SigBlk", "SigIgn", "SigCgt"))
    )


def _text(path):
    return path.read_text() if path.exists() else ""


def test_ctrl_c_saves_partial_results_and_exits_130(tmp_path):
    out = tmp_path / "partial.json"
    record = tmp_path / "rec.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            FOREGROUND_CLI,
            "run",
            "--compress",
            "q8",
            "--json",
            str(out),
            "--record",
            str(record),
            "--workdir",
            str(tmp_path),
            "--max-seconds",
            "30",
            "--min-iters",
            "100000",
            "--max-iters",
            "200000",
            "--idle-seconds",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    log = tmp_path / "digits-cnn-baseline.worker.log"
    # wait until the baseline's run-stage worker is timing (the recording has its phase event), then press Ctrl-C
    while time.monotonic() < deadline and '"name": "timing"' not in _text(record):
        time.sleep(0.2)
    time.sleep(1.0)
    signals = _signal_state(proc.pid)  # what the CLI does with SIGINT, for the message if it is not handled
    proc.send_signal(signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"no exit 60 s after SIGINT; the CLI's {signals}; its stderr ends:\n{stderr[-3000:]}")
    assert proc.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    assert log.exists()
    data = json.loads(out.read_text())
    assert data["status"] == "cancelled"
    assert data["runs"][0]["model"]["size_bytes"] > 0
    latency = data["runs"][0]["latency"]  # cut short: kept from the last progress report, marked unconverged
    assert latency["n"] > 0 and latency["mean_s"] > 0 and latency["converged"] is False
    assert "cancelled during timing" in latency["reason"]
    validate_result(data)


def test_repeat_merges_worker_processes(tmp_path):
    """--repeat 2: two real worker processes for one variant, merged with a CI over the process means."""
    events = []
    config = quick_config(tmp_path, "q8", max_iters=5000, min_seconds=0.3, eval_limit=50, repeat=2)
    result = Session(config, events.append).run()
    validate_result(result)
    assert result["status"] == "complete"
    (run,) = result["runs"]
    lat = run["latency"]
    assert lat["processes"] == 2 and len(lat["process_means_s"]) == 2
    assert lat["mean_s"] == pytest.approx(sum(lat["process_means_s"]) / 2)
    assert "2 worker processes" in lat["reason"]
    measuring = {e["pid"] for e in events if e.get("type") == "hello" and e.get("stage") in ("run", None)}
    assert len(measuring) == 2  # two run-stage processes (each after its own compress stage)
    graph_logs = [
        str(e["message"]) for e in events if e.get("type") == "log" and "graph" in str(e.get("message"))
    ]
    assert graph_logs and all("{" not in m and "weight tensors (" in m for m in graph_logs), graph_logs
