"""The samples the compress stage hands to the run stage: one .npz, named from the spec by both stages alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.samples.evaldata import EvalData, eval_data_path, load_eval_data, save_eval_data
from core.worker.runner import Options


def test_both_stages_derive_the_same_path_from_the_spec(tmp_path: Path) -> None:
    spec = {
        "model": "digits-cnn",
        "compression": "q8",
        "workdir": str(tmp_path),
        "options": {"eval_limit": 64},
    }
    run_spec = {**spec, "stage": "run", "artifact": "x.tcz", "compression": "q8:load"}
    assert eval_data_path(spec) == eval_data_path(run_spec) == tmp_path / "digits-cnn-eval-default-64.npz"
    random = eval_data_path({**spec, "model": "resnet50", "weights": "random", "dataset": "my set/1"})
    assert random.name == "resnet50-eval-my_set_1-64-random.npz"
    assert eval_data_path({**spec, "eval_data": "/a/b.npz"}) == Path("/a/b.npz")


def test_round_trip_with_and_without_labels(tmp_path: Path) -> None:
    x = np.random.default_rng(0).random((5, 8, 8, 1), dtype=np.float32)
    y = np.arange(5, dtype=np.int64)
    save_eval_data(tmp_path / "a.npz", EvalData(x, y, "digits-test", 10))
    back = load_eval_data(tmp_path / "a.npz")
    np.testing.assert_array_equal(back.x, x)
    np.testing.assert_array_equal(back.y, y)
    assert (back.name, back.n_classes) == ("digits-test", 10)
    save_eval_data(tmp_path / "b.npz", EvalData(x, None, "synthetic", None))
    unlabelled = load_eval_data(tmp_path / "b.npz")
    assert unlabelled.y is None and unlabelled.n_classes is None


def test_missing_samples_name_the_stage_that_makes_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="the compress stage writes them"):
        load_eval_data(tmp_path / "none.npz")


def test_run_options_fill_defaults_and_keep_values() -> None:
    options = Options({"min_iters": 5, "max_seconds": 1, "eval_limit": 9})
    assert (options.min_iters, options.max_seconds, options.eval_limit) == (5, 1.0, 9)
    assert (options.batch_size, options.trace_passes, options.ci_target_pct) == (1, 3, 5.0)
