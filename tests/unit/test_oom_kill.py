"""A worker killed by the kernel for memory is an answer: the out-of-memory wording with the size it reached, what
it measured before is kept, and a sweep marks that point failed and goes on.

The worker is the protocol stand-in (tests/fixtures/fake_worker.py, mode "oom"): its q8 run stage measures, then
allocates until tests/fixtures/oom.py, standing in for the kernel, SIGKILLs it past a limit (RLIMIT_AS would give a
MemoryError instead of a kill).
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from core.run.session import Session
from core.run.worker_client import REPO_ROOT
from core.runspec import RunOptions
from core.spec import CompressionSpec
from core.sweep.runner import SweepPlan, SweepRunner
from core.sweep.store import SweepStore
from tests.fixtures.fake_python import fake_python
from tests.fixtures.oom import OOM_LIMIT_BYTES, kill_past
from tests.unit.test_session_stages import HOST_ONLY, config

WORDING = "killed by the out-of-memory killer at about"


@pytest.fixture(autouse=True)
def oom_mode(monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "oom")
    monkeypatch.setenv("FAKE_WORKER_OOM_VARIANTS", "q8")


def test_a_run_killed_for_memory_keeps_its_measurements_and_names_the_size(tmp_path):
    session = Session(config(tmp_path))
    killer = kill_past(lambda: session.worker_pid, OOM_LIMIT_BYTES)
    result = session.run()
    killer.join()
    base, q8 = result["runs"]
    assert base["status"] == "complete" and result["status"] == "partial"
    assert q8["status"] == "failed"
    assert q8["latency"]["n"] == 10 and q8["model"]["size_bytes"] == 400  # measured before the kill, kept
    (error,) = q8["errors"]
    assert WORDING in error and "SIGKILL" in error
    size_gb = float(error.split(WORDING)[1].split("GB")[0])
    assert OOM_LIMIT_BYTES * 0.5 / 1e9 <= size_gb <= OOM_LIMIT_BYTES * 2 / 1e9
    assert (
        q8["memory"]["worker_peak_rss_bytes"] >= OOM_LIMIT_BYTES * 0.5
    )  # the size it reached, in the file too
    schema = json.loads((REPO_ROOT / "assets" / "result.schema.json").read_text())
    jsonschema.validate(
        q8["memory"], schema["$defs"]["run"]["properties"]["memory"]
    )  # the fake's eval is not


def test_a_sweep_marks_the_killed_point_failed_and_goes_on(tmp_path):
    python = fake_python(tmp_path)
    plan = SweepPlan(
        models=["digits-cnn"],
        settings=[CompressionSpec.parse("q8"), CompressionSpec.parse("q6")],
        options=RunOptions(idle_seconds=0),
        session={"workdir": tmp_path / "runs", "sysfs_root": str(tmp_path / "sys"), "probes": list(HOST_ONLY),
                 "worker_python": python, "compress_python": python},
    )  # fmt: skip
    sessions: list[Session] = []

    def factory(cfg, on_event):
        sessions.append(Session(cfg, on_event))
        return sessions[-1]

    killer = kill_past(lambda: sessions[-1].worker_pid if sessions else None, OOM_LIMIT_BYTES)
    store = SweepStore(tmp_path / "s.jsonl").open()
    try:
        summary = SweepRunner(plan, store, session_factory=factory).run()
    finally:
        store.close()
    killer.join()
    by_setting = {r["sweep"]["setting"]: r for r in SweepStore(tmp_path / "s.jsonl").open().records}
    assert set(by_setting) == {"baseline", "q8", "q6"}  # the sweep went on after q8
    assert by_setting["q8"]["status"] == "failed" and summary.failed == 1
    assert any(WORDING in e for e in by_setting["q8"]["errors"])
    assert by_setting["q6"]["status"] == "complete"
