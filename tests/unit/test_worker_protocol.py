"""The worker's JSON-lines protocol: versioned events, tolerant decoding, and errors reported as events."""

import json
import subprocess
import sys
from pathlib import Path

from core.run.record import RunRecord
from core.runspec import RunSpec
from core.spec import CompressionSpec
from core.worker.protocol import PROTOCOL_VERSION, decode, encode

ROOT = Path(__file__).resolve().parents[2]


def test_encode_decode_round_trip_with_version_and_time():
    event = decode(encode("latency", variant="q8", n=3, mean_s=0.5))
    assert event["v"] == PROTOCOL_VERSION and event["type"] == "latency" and event["n"] == 3
    assert isinstance(event["t"], float)


def test_noise_on_stdout_is_skipped_not_fatal():
    assert decode("") is None
    assert decode("2026-11-29 I tensorflow/core: something") is None
    assert decode("{broken") is None
    assert decode('{"no_type": 1}') is None


def test_unknown_event_types_are_ignored_by_the_record():
    record = RunRecord(RunSpec("digits-cnn", CompressionSpec.parse("q8")))
    record.add({"v": 2, "type": "some-future-event", "payload": 1})
    record.add({"v": 1, "type": "model", "params": 10, "nonzero_params": 9, "size_bytes": 40})
    assert record.model == {"params": 10, "nonzero_params": 9, "size_bytes": 40, "artifact": None}


def test_worker_reports_an_unreadable_spec_as_an_error_event():
    proc = subprocess.run(
        [sys.executable, "-m", "core.worker"],
        input="not json",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["type"] for e in lines] == ["error"]
    assert "unreadable run spec" in lines[0]["message"] and "\n" not in lines[0]["message"]
    assert "tensorflow" not in proc.stderr.lower()  # it failed before paying for the TensorFlow import
