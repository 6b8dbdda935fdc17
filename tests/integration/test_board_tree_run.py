"""One real run (baseline and q4, seeded random weights) on a TX2 sysfs tree, checked for two things at once so the
suite starts its workers once: the board's telemetry (the tree is laid out as on the board, under a temp dir, and
this test drives its input-rail power file, so power, idle and energy have analytic answers), and random weights
(said in the result, accuracy null with the reason, fidelity of q4's outputs to the baseline's on the same seeded
inputs)."""

from __future__ import annotations

from typing import Any

import pytest

from core.report.comparison import comparisons_of
from core.report.result_file import validate_result
from core.run.session import Session
from tests.fixtures.boards import make_tx2_tree
from tests.fixtures.runs import quick_config

pytestmark = pytest.mark.integration

IDLE_MW, BUSY_MW = 2000, 5000
EVAL_SAMPLES = 16


@pytest.fixture(scope="module")
def tx2_random_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp_path = tmp_path_factory.mktemp("tx2run")
    root = make_tx2_tree(tmp_path / "sys")
    (vdd_in,) = [
        p
        for p in root.glob("bus/i2c/drivers/ina3221x/*/iio:device*/rail_name_*")
        if p.read_text().strip() == "VDD_IN"
    ]
    power_file = vdd_in.with_name(vdd_in.name.replace("rail_name_", "in_power") + "_input")
    power_file.write_text(f"{IDLE_MW}\n")

    def on_event(event: dict[str, Any]) -> None:
        # the model starts drawing 3 W more once it is loaded; idle was measured before
        if event.get("type") == "phase" and event.get("name") == "warmup":
            power_file.write_text(f"{BUSY_MW}\n")

    config = quick_config(
        tmp_path / "runs",
        "q4",
        sysfs_root=str(root),
        min_iters=30,
        max_iters=3000,
        min_seconds=1,
        warmup_iters=5,
        eval_limit=EVAL_SAMPLES,
        idle_seconds=0.5,
    )
    config.include_baseline, config.weights = True, "random"
    result = Session(config, on_event).run()
    validate_result(result)
    assert result["status"] == "complete", result["errors"]
    return result


def test_power_energy_and_gpu_from_a_tx2_tree(tx2_random_run: dict[str, Any]) -> None:
    for run in tx2_random_run["runs"]:
        power, energy, gpu = run["power"], run["energy"], run["gpu"]
        assert power["source"] == "tegra-power" and power["rail"] == "VDD_IN"
        assert power["idle_w"] == pytest.approx(IDLE_MW / 1000)
        assert power["mean_w"] == pytest.approx(BUSY_MW / 1000, rel=0.01)
        assert power["peak_w"] == pytest.approx(BUSY_MW / 1000)
        # sampled through the run and reported (the rate itself: benchmarks/bench_board_tree_run.py)
        assert power["n_samples"] > 0 and power["achieved_rate_hz"] > 0
        # energy above idle per inference = 3 W x time per inference (windows include a little loop overhead)
        mean_s = run["latency"]["mean_s"]
        assert 3.0 * mean_s * 0.9 <= energy["j_per_inference"] <= 3.0 * mean_s * 1.6
        assert energy["reason"] is None
        assert gpu["source"] == "tegra-gpu" and gpu["mean_load_pct"] == pytest.approx(73.4)


def test_random_weight_run_reports_weights_and_fidelity(tx2_random_run: dict[str, Any]) -> None:
    base, q4 = tx2_random_run["runs"]
    for run in (base, q4):
        assert run["spec"]["weights"] == "random"
        assert run["model"]["weights"] == {"kind": "random", "seed": 0}
        assert run["accuracy"]["top1"] is None
        assert run["accuracy"]["reason"] == "random weights: accuracy is meaningless"
    assert base["accuracy"]["fidelity"] == {
        "agreement": 1.0,
        "kl_mean": 0.0,
        "n_samples": EVAL_SAMPLES,
        "reference": "itself",
    }
    fidelity = q4["accuracy"]["fidelity"]
    assert fidelity["n_samples"] == EVAL_SAMPLES and fidelity["reference"].endswith("-baseline-outputs.npz")
    assert 0.0 <= fidelity["agreement"] <= 1.0 and fidelity["kl_mean"] > 0.0  # 4 bits move the outputs
    rows = {row.key: row for row in comparisons_of(tx2_random_run)[0].rows}
    assert rows["agreement"].base == 1.0 and rows["kl_mean"].comp == fidelity["kl_mean"]
