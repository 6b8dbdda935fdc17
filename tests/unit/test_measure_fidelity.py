"""Fidelity without labels (core.measure.fidelity) on constructed outputs: identical models agree 100% with KL 0,
a hand-computed pair gives its KL, logits and probabilities are told apart, and unusable baselines say why."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.measure.fidelity import as_probabilities, fidelity, fidelity_block, outputs_path


def test_identical_outputs_agree_fully_with_zero_kl():
    p = np.random.default_rng(0).dirichlet(np.ones(10), size=50)
    out = fidelity(p, p.copy())
    assert out == {"agreement": 1.0, "kl_mean": 0.0, "n_samples": 50}


def test_hand_computed_pair():
    reference = np.array([[0.5, 0.5], [0.2, 0.8]])
    compressed = np.array([[0.9, 0.1], [0.6, 0.4]])
    kl_first = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)  # 0.510826
    kl_second = 0.2 * math.log(0.2 / 0.6) + 0.8 * math.log(0.8 / 0.4)  # 0.334795
    out = fidelity(reference, compressed)
    assert out["agreement"] == 0.5  # first: both class 0 (a tie reads as the first class); second: 1 vs 0
    assert out["kl_mean"] == pytest.approx((kl_first + kl_second) / 2, rel=1e-6)
    assert out["n_samples"] == 2


def test_logits_go_through_softmax_and_shifts_do_not_matter():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]])
    probs = as_probabilities(logits)
    e = np.exp(logits)
    np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True))
    out = fidelity(logits, logits + 7.0)
    assert out["agreement"] == 1.0 and out["kl_mean"] == pytest.approx(0.0, abs=1e-12)


def test_probabilities_are_kept_and_a_zero_does_not_make_kl_infinite():
    p = np.array([[0.7, 0.3, 0.0]])
    np.testing.assert_array_equal(as_probabilities(p), p)
    out = fidelity(np.array([[0.5, 0.0, 0.5]]), p)
    assert math.isfinite(out["kl_mean"]) and out["kl_mean"] > 1.0  # 0.5 of mass where p has none: large


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="cannot be compared"):
        fidelity(np.ones((2, 3)) / 3, np.ones((2, 4)) / 4)


def test_baseline_saves_and_a_variant_compares_or_says_why(tmp_path):
    eval_path = tmp_path / "m-eval-default-all-random.npz"
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    source = {"model": "m", "weights": "random (seed 0)"}
    base = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])

    missing = fidelity_block("q8", base, source, x, eval_path)
    assert missing["agreement"] is None and "measure the baseline" in missing["reason"]

    assert fidelity_block("baseline", base, source, x, eval_path)["agreement"] == 1.0
    assert outputs_path(eval_path).is_file()
    same = fidelity_block("q8", base, source, x, eval_path)
    assert same["agreement"] == 1.0 and same["kl_mean"] == pytest.approx(0.0, abs=1e-6)
    assert same["reference"] == str(outputs_path(eval_path)) and same["n_samples"] == 3

    flipped = fidelity_block("q8", base[:, ::-1], source, x, eval_path)
    assert flipped["agreement"] == pytest.approx(1 / 3)  # only the tied row keeps its top-1

    other = fidelity_block("q8", base, {"model": "m", "weights": "other.h5"}, x, eval_path)
    assert other["agreement"] is None and "other weights" in other["reason"]
    moved = fidelity_block("q8", base, source, x + 1, eval_path)
    assert moved["agreement"] is None and "other samples" in moved["reason"]


def test_token_id_outputs_compare_whole_sequences_without_kl():
    """A translator emits token ids: agreement is the share of identical sentences, and KL is null with why."""
    reference = np.array(
        [[5, 6, 2, 0], [7, 8, 9, 2], [3, 2, 0, 0]], dtype=np.float32
    )  # as saved by the baseline
    scores = np.array([[5, 6, 2, 0], [7, 8, 4, 2], [3, 2, 0, 0]], dtype=np.int32)
    out = fidelity(reference, scores)
    assert out["agreement"] == pytest.approx(2 / 3)
    assert out["kl_mean"] is None and "token ids" in out["reason"]
