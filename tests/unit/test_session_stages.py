"""The session's two worker stages per variant, run against the protocol stand-in (tests/fixtures/fake_worker.py).

The real worker goes through the same path in tests/integration/test_end_to_end.py; these check the contract
between the stages: what each process is sent, and what the variant's record ends as.
"""

from __future__ import annotations

import json

import pytest

from core.run.session import Session, SessionConfig
from core.runspec import RunOptions
from core.spec import CompressionSpec
from core.telemetry.detect import SourceStatus
from tests.fixtures.fake_python import fake_python

# Only host memory, from a probe handed in: nothing on this machine is probed, so the test is the same anywhere.
HOST_ONLY = [
    SourceStatus("tegra-power", False, "no ina3221 under the tree"),
    SourceStatus("host", True, "psutil reads /proc"),
]


def config(tmp_path, **kwargs) -> SessionConfig:
    python = fake_python(tmp_path)
    kwargs.setdefault("compress_python", python)
    kwargs.setdefault("worker_python", python)
    return SessionConfig(
        model="digits-cnn",
        compression=CompressionSpec.parse("q8"),
        options=RunOptions(idle_seconds=0, paired_processes=1),
        workdir=tmp_path / "runs",
        sysfs_root=str(tmp_path / "sys"),
        probes=list(HOST_ONLY),
        **kwargs,
    )


@pytest.fixture
def specs(tmp_path, monkeypatch):
    path = tmp_path / "specs.jsonl"
    monkeypatch.setenv("FAKE_WORKER_SPECS", str(path))
    return lambda: [json.loads(line) for line in path.read_text().splitlines()]


def test_compress_then_run_per_variant_with_the_artifact_handed_on(tmp_path, specs):
    events = []
    result = Session(config(tmp_path), events.append).run()
    sent = specs()
    assert [(s["compression"], s["stage"]) for s in sent] == [
        ("baseline", "compress"), ("baseline", "run"), ("q8", "compress"), ("q8", "run"), ("q8", "paired")
    ]  # fmt: skip
    assert sent[4]["paired"] == {
        "variants": ["baseline", "q8"],
        "artifacts": [sent[1]["artifact"], sent[3]["artifact"]],
    }
    # No power sensor here: the short latency blocks (with one, blocks long enough for 3 of its updates).
    assert sent[4]["options"]["paired_block_s"] == 0.025 and sent[3]["options"]["paired_block_s"] is None
    assert sent[1]["artifact"] == str(tmp_path / "runs" / "fake-baseline.tcz")
    assert "artifact" not in sent[0]
    assert result["status"] == "complete", result["errors"]
    base = result["runs"][0]
    assert base["model"]["artifact"] == sent[1]["artifact"] and base["latency"]["n"] == 10
    assert base["accuracy"]["top1"] == 0.75 and base["memory"]["preload_rss_bytes"] == 100
    starts = [(e["variant"], e["stage"]) for e in events if e.get("state") == "worker-start"]
    assert starts == [("baseline", "compress"), ("baseline", "run"), ("q8", "compress"), ("q8", "run")]
    assert (tmp_path / "runs" / "digits-cnn-q8.compress.log").exists()
    assert (tmp_path / "runs" / "digits-cnn-q8.worker.log").exists()
    assert result["environment"]["compress_python"] == result["environment"]["worker_python"]


def test_the_paired_stage_files_its_answer_on_the_compressed_run(tmp_path, specs):
    events = []
    result = Session(config(tmp_path), events.append).run()
    base, q8 = result["runs"]
    assert "paired" not in base
    assert q8["paired"]["latency"]["ratio"] == 1.25 and q8["paired"]["latency"]["pairs"] == 2
    assert q8["paired"]["energy"]["ratio"] is None and "no power sensor" in q8["paired"]["energy"]["reason"]
    live = [e for e in events if e.get("type") == "pair"]
    assert [(e["variant"], e["pairs"], e["ratio_ci95"]) for e in live] == [
        ("q8", 1, None),
        ("q8", 2, [1.25, 1.25]),
    ]
    assert all(e["v"] == 1 and isinstance(e["t"], float) for e in live)
    # The paired stage's own hello/phase events stay out of the live state: q8 is not "running" again.
    assert not any(e.get("type") == "hello" and e.get("stage") == "paired" for e in events)
    assert result["comparison"]["verdict"]["time"]["direction"] == "slower"
    assert result["comparison"]["summary"].startswith("same size, 1.25x slower (1.25-1.25), ")
    assert (tmp_path / "runs" / "digits-cnn-q8.paired.log").exists()


def test_the_default_paired_stage_is_five_processes_each_with_its_share(tmp_path, specs):
    cfg = config(tmp_path)
    k = cfg.options.paired_processes = RunOptions().paired_processes
    assert k == 5
    events = []
    result = Session(cfg, events.append).run()
    sent = [s for s in specs() if s["stage"] == "paired"]
    assert len(sent) == k
    # A fifth of the 10 s cap each, and a target sqrt(5) wider: the mean of five is as precise as one at 2%.
    assert [s["options"]["paired_max_seconds"] for s in sent] == pytest.approx([10 / k] * k)
    assert [s["options"]["paired_target_pct"] for s in sent] == pytest.approx([2 * k**0.5] * k)
    latency = result["runs"][1]["paired"]["latency"]
    assert latency["processes"] == k and latency["pairs"] == 2 * k and latency["process_ratios"] == [1.25] * k
    assert f"over {k} processes" in latency["method"]
    live = [(e["process"], e["processes"]) for e in events if e.get("type") == "pair"]
    assert live == [(i, k) for i in range(1, k + 1) for _ in range(2)]
    logs = sorted(p.name for p in (tmp_path / "runs").glob("*.paired*.log"))
    assert logs == [f"digits-cnn-q8.paired.{i}.log" for i in range(1, k + 1)]


def test_without_paired_timing_no_paired_stage_runs(tmp_path, specs):
    cfg = config(tmp_path)
    cfg.options.paired = False
    result = Session(cfg).run()
    assert [s["stage"] for s in specs()] == ["compress", "run", "compress", "run"]
    assert "paired" not in result["runs"][1]


def test_a_failed_compress_stage_fails_the_variant_with_its_line(tmp_path, specs, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "compress-fails")
    result = Session(config(tmp_path, include_baseline=False)).run()
    assert [s["stage"] for s in specs()] == ["compress"]  # no run stage without an artifact
    (run,) = result["runs"]
    assert run["status"] == "failed" and result["status"] == "failed"
    assert result["errors"] == ["structured pruning after a TFLite conversion is impossible"]


def test_a_worker_without_stages_measures_in_its_one_process(tmp_path, specs, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "old")
    result = Session(config(tmp_path, include_baseline=False)).run()
    assert [s["stage"] for s in specs()] == ["compress"]
    assert result["status"] == "complete" and result["runs"][0]["latency"]["n"] == 10


def test_a_missing_run_interpreter_keeps_the_compress_stage_result(tmp_path, specs):
    result = Session(config(tmp_path, include_baseline=False, worker_python=str(tmp_path / "nope"))).run()
    (run,) = result["runs"]
    assert run["model"]["size_bytes"] == 400 and run["latency"] is None
    assert run["status"] == "failed" and "nope" in result["errors"][0]
    assert result["status"] == "partial"  # the size was measured: a file worth keeping


def test_cancel_during_a_stage_stops_the_worker_and_keeps_the_rest(tmp_path, specs, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "hang")
    session = None

    def on_event(event):
        if event.get("type") == "phase":
            session.cancel()

    session = Session(config(tmp_path), on_event)
    result = session.run()
    assert result["status"] == "cancelled" and session.worker_pid is None
    assert [s["stage"] for s in specs()] == ["compress"]
    assert result["runs"][0]["status"] == "cancelled"
