"""The pre-flight memory estimate (core.run.memory_estimate) against each stage's measured peak: real worker
processes on the demo model and on a constructed ~100 MB model (two dense layers, seeded random weights).

The measured peak is the one the dashboard samples by pid over each worker's whole life (the `exit` event of
core.run.worker_client), load and evaluation included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

keras = pytest.importorskip("keras")

from core.models.user_model import user_model  # noqa: E402
from core.run.memory_estimate import estimate, estimate_registry_model, mem_available_bytes  # noqa: E402
from core.run.session import Session, SessionConfig  # noqa: E402
from core.spec import CompressionSpec  # noqa: E402
from tests.fixtures.runs import quick_config  # noqa: E402

TOLERANCE = 0.25
BIG_IN, BIG_HIDDEN, BIG_OUT = 2500, 5000, 2500  # 25M parameters: 100 MB of float32


def measured_peaks(config: SessionConfig) -> tuple[dict[str, int], dict[str, Any]]:
    """Each stage's sampled peak RSS (bytes), and the result."""
    peaks: dict[str, int] = {}
    stage = {"now": ""}

    def on_event(event: dict[str, Any]) -> None:
        if event.get("type") == "session" and event.get("state") == "worker-start":
            stage["now"] = event["stage"]
        if event.get("type") == "exit" and event.get("peak_rss_bytes"):
            peaks[stage["now"]] = int(event["peak_rss_bytes"])

    result = Session(config, on_event).run()
    return peaks, result


def assert_close(estimated: int, measured: int, what: str) -> None:
    print(f"{what}: estimated {estimated / 2**20:.0f} MiB, measured {measured / 2**20:.0f} MiB")
    assert abs(estimated - measured) <= TOLERANCE * measured, (
        f"{what}: estimated {estimated / 2**20:.0f} MiB, measured {measured / 2**20:.0f} MiB"
    )


def test_estimate_of_the_demo_model(tmp_path: Path) -> None:
    config = quick_config(tmp_path, "q8")
    peaks, result = measured_peaks(config)
    assert result["status"] == "complete", result["errors"]
    guess = estimate_registry_model(
        "digits-cnn", config.compression, random_weights=False, available_bytes=mem_available_bytes()
    )
    assert_close(guess.run_peak_bytes, peaks["run"], "digits-cnn q8 run stage")
    assert_close(guess.compress_peak_bytes, peaks["compress"], "digits-cnn q8 compress stage")
    assert result["runs"][0]["memory"]["worker_peak_rss_bytes"] == peaks["run"]


def test_estimate_of_a_100_mb_model(tmp_path: Path) -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((BIG_IN,)), keras.layers.Dense(BIG_HIDDEN), keras.layers.Dense(BIG_OUT)]
    )
    path = tmp_path / "big.keras"
    model.save(path)
    params = model.count_params()
    del model
    config = quick_config(tmp_path, "baseline")
    config.model, config.model_args = path.name, user_model(path).to_args()
    peaks, result = measured_peaks(config)
    assert result["status"] == "complete", result["errors"]
    guess = estimate(
        params,
        CompressionSpec(),
        largest_layer_params=BIG_IN * BIG_HIDDEN,
        input_elems=BIG_IN,
        available_bytes=mem_available_bytes(),
    )
    print(f"weights form the estimate expects: {guess.weights_form}")
    assert_close(guess.run_peak_bytes, peaks["run"], "100 MB model run stage")
    assert_close(guess.compress_peak_bytes, peaks["compress"], "100 MB model compress stage")
