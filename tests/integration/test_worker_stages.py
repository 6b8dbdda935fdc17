"""The worker's two stages as real processes on the demo model: compress writes the artifact and says how it is
quantized; run measures it, and q8's run-time de-quantization shows in the per-op trace as class F."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
OPTIONS = {"min_iters": 10, "max_iters": 100, "max_seconds": 1.0, "min_seconds": 0.1, "warmup_iters": 2,
           "trace_passes": 1, "eval_limit": 64}  # fmt: skip


def _stage(spec: dict[str, Any]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "core.worker"],
        input=json.dumps(spec),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, f"{[e for e in events if e['type'] == 'error']}\n{proc.stderr[-2000:]}"
    return events


def _one(events: list[dict[str, Any]], type_: str) -> dict[str, Any]:
    found = [e for e in events if e["type"] == type_]
    assert len(found) == 1, f"{type_}: {len(found)} events"
    return found[0]


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    spec = {"model": "digits-cnn", "compression": "q8", "workdir": str(tmp_path_factory.mktemp("stages")),
            "options": OPTIONS}  # fmt: skip
    compress = _stage({**spec, "stage": "compress"})
    artifact = _one(compress, "model")["artifact"]
    return {"compress": compress, "run": _stage({**spec, "stage": "run", "artifact": artifact})}


def test_compress_stage_writes_the_artifact_and_reports_its_form(stages) -> None:
    events = stages["compress"]
    assert _one(events, "hello")["stage"] == "compress"
    model = _one(events, "model")
    assert Path(model["artifact"]).name == "digits-cnn-q8.tcz"
    assert model["size_bytes"] == Path(model["artifact"]).stat().st_size
    assert model["quantization"]["bits"] == 8
    assert (model["quantization"]["granularity"], model["quantization"]["dequant"]) == (
        "per-tensor",
        "runtime",
    )
    assert not {"latency", "ops", "eval"} & {e["type"] for e in events}  # measuring is the run stage's job


def test_run_stage_measures_the_runtime_form(stages) -> None:
    events = stages["run"]
    hello = _one(events, "hello")
    assert hello["stage"] == "run" and hello["session_options"]["grappler_constant_folding"] == "OFF"
    latency = _one(events, "latency")
    assert latency["n"] >= 2 and latency["session_options"] == hello["session_options"]
    final = [e for e in events if e["type"] == "ops" and e["final"]][-1]
    assert final["by_class"]["F"] > 0 and final["by_type"]["Dequantize"] > 0
    evaluation = _one(events, "eval")
    assert evaluation["n_samples"] == 64 and evaluation["top1"] > 0.8
    assert _one(events, "result")["status"] == "complete"
