"""A real run with seeded random weights: the weights are said in the result, accuracy is null with the reason,
and fidelity compares the compressed outputs with the baseline's on the same (seeded random) inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.report.comparison import comparisons_of
from core.report.result_file import validate_result
from core.run.session import Session
from tests.fixtures.runs import quick_config

pytestmark = pytest.mark.integration


def test_random_weight_run_reports_weights_and_fidelity(tmp_path: Path) -> None:
    config = quick_config(tmp_path, "q4", eval_limit=16, paired=False)  # weights and fidelity, not pairing
    config.include_baseline, config.weights = True, "random"
    result = Session(config).run()
    validate_result(result)
    assert result["status"] == "complete", result["errors"]
    base, q4 = result["runs"]
    for run in (base, q4):
        assert run["spec"]["weights"] == "random"
        assert run["model"]["weights"] == {"kind": "random", "seed": 0}
        assert run["accuracy"]["top1"] is None
        assert run["accuracy"]["reason"] == "random weights: accuracy is meaningless"
    assert base["accuracy"]["fidelity"] == {
        "agreement": 1.0,
        "kl_mean": 0.0,
        "n_samples": 16,
        "reference": "itself",
    }
    fidelity = q4["accuracy"]["fidelity"]
    assert fidelity["n_samples"] == 16 and fidelity["reference"].endswith("-baseline-outputs.npz")
    assert 0.0 <= fidelity["agreement"] <= 1.0 and fidelity["kl_mean"] > 0.0  # 4 bits move the outputs
    rows = {row.key: row for row in comparisons_of(result)[0].rows}
    assert rows["agreement"].base == 1.0 and rows["kl_mean"].comp == fidelity["kl_mean"]
