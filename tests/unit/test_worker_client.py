"""core.run.worker_client against a protocol-speaking stand-in (tests/fixtures/fake_worker.py, no TensorFlow).

The real worker goes through the same client in tests/integration/test_end_to_end.py.
"""

from __future__ import annotations

import json
import signal
import sys

import pytest

from core.run import worker_client as client_module
from core.run.worker_client import REPO_ROOT, WorkerClient, WorkerStartError, worker_env
from tests.fixtures.fake_python import fake_python
from tests.fixtures.oom import OOM_LIMIT_BYTES, kill_past

SPEC = {"model": "digits-cnn", "compression": "q8", "options": {}, "workdir": "", "stage": "compress"}


def test_worker_env_puts_the_repository_first_and_quiets_tensorflow():
    env = worker_env({"PYTHONPATH": "/elsewhere", "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert env["PYTHONPATH"].split(":") == [str(REPO_ROOT), "/elsewhere"]
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "0"  # a user's own setting is kept
    assert env["PYTHONUNBUFFERED"] == "1"
    assert worker_env({})["TF_CPP_MIN_LOG_LEVEL"] == "2"


def test_spec_in_events_out_noise_skipped_stderr_logged(tmp_path, monkeypatch):
    specs = tmp_path / "specs.jsonl"
    monkeypatch.setenv("FAKE_WORKER_SPECS", str(specs))
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    worker = WorkerClient(fake_python(tmp_path), tmp_path / "w.log")
    worker.start({**SPEC, "workdir": str(tmp_path)})
    assert worker.pid is not None
    events = list(worker.events())
    assert worker.wait() == 0 and not worker.running
    assert [e["type"] for e in events] == ["hello", "phase", "model", "result", "exit"]  # noise skipped
    assert events[-1]["returncode"] == 0 and events[-1]["signal"] is None
    assert events[0]["spec"]["stage"] == "compress"
    assert json.loads(specs.read_text()) == {**SPEC, "workdir": str(tmp_path)}
    assert "env TF_CPP_MIN_LOG_LEVEL=2" in (tmp_path / "w.log").read_text()


def test_a_failing_worker_gives_its_error_event_and_exit_status(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "compress-fails")
    worker = WorkerClient(fake_python(tmp_path), tmp_path / "w.log")
    worker.start({**SPEC, "workdir": str(tmp_path)})
    events = list(worker.events())
    assert worker.wait() == 1
    assert events[-2]["type"] == "error" and "impossible" in events[-2]["message"]


def test_terminate_stops_the_worker_with_sigterm(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "hang")
    worker = WorkerClient(fake_python(tmp_path), tmp_path / "w.log")
    worker.start(SPEC)
    for event in worker.events():
        if event["type"] == "phase":
            worker.terminate()
    assert worker.wait() == -signal.SIGTERM


def test_terminate_kills_a_worker_that_ignores_sigterm(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_WORKER_MODE", "ignore-term")
    monkeypatch.setattr(client_module, "KILL_AFTER_S", 0.2)
    worker = WorkerClient(fake_python(tmp_path), tmp_path / "w.log")
    worker.start(SPEC)
    for event in worker.events():
        if event["type"] == "phase":  # SIGTERM is ignored from here on
            worker.terminate()
    assert worker.wait() == -signal.SIGKILL


def test_a_worker_killed_for_memory_is_reported_with_its_size(tmp_path, monkeypatch):
    """The worker allocates until the test, standing in for the kernel's OOM killer, SIGKILLs it past a limit: the
    client's exit event carries the signal and the RSS it had reached."""
    monkeypatch.setenv("FAKE_WORKER_MODE", "oom")
    worker = WorkerClient(fake_python(tmp_path), tmp_path / "w.log")
    worker.start({**SPEC, "stage": "run", "artifact": __file__})
    killer = kill_past(lambda: worker.pid, OOM_LIMIT_BYTES)
    events = list(worker.events())
    killer.join()
    assert worker.wait() == -signal.SIGKILL
    assert "latency" in [e["type"] for e in events]  # measured before the allocation
    exit_event = events[-1]
    assert exit_event["type"] == "exit" and exit_event["signal"] == "SIGKILL"
    assert OOM_LIMIT_BYTES * 0.5 < exit_event["last_rss_bytes"] <= exit_event["peak_rss_bytes"]


def test_a_missing_interpreter_is_one_line(tmp_path):
    worker = WorkerClient(str(tmp_path / "no-such-python"), tmp_path / "w.log")
    with pytest.raises(WorkerStartError) as caught:
        worker.start(SPEC)
    message = str(caught.value)
    assert "no-such-python" in message and "--worker-python" in message and "\n" not in message


def test_the_real_worker_module_is_what_runs_by_default(tmp_path):
    """Without arguments the client starts `python -m core.worker` (it refuses a bad spec before TensorFlow)."""
    worker = WorkerClient(sys.executable, tmp_path / "w.log")
    worker.start({"not": "a spec"})
    events = list(worker.events())
    assert worker.wait() == 1
    assert [e["type"] for e in events] == ["error", "exit"] and "run spec" in events[0]["message"]
