"""Accuracy metrics agree with scikit-learn's definitions on fixed predictions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support, top_k_accuracy_score

from core.measure.metrics import classification_metrics


def sklearn_macro(y_true, y_pred):
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    return p, r, f


def test_scores_match_sklearn_with_a_class_never_predicted():
    rng = np.random.default_rng(3)
    n, c = 200, 8
    y = rng.integers(0, c, size=n)
    scores = rng.random((n, c))
    scores[np.arange(n), y] += rng.random(n) * 1.5  # right more often than chance, not always
    scores[:, 6] = -1.0  # class 6 is never anyone's argmax
    y_pred = scores.argmax(axis=1)
    assert 6 in y and 6 not in y_pred

    m = classification_metrics(y, scores)
    p, r, f = sklearn_macro(y, y_pred)
    assert m["precision"] == pytest.approx(p)
    assert m["recall"] == pytest.approx(r)
    assert m["f1"] == pytest.approx(f)
    assert m["top1"] == pytest.approx(np.mean(y_pred == y))
    assert m["top5"] == pytest.approx(top_k_accuracy_score(y, scores, k=5, labels=np.arange(c)))
    assert m["n_samples"] == n
    assert 0 < m["top1"] < m["top5"] < 1


def test_predicted_label_missing_from_truth_counts_in_the_macro_average():
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 3, 1, 1, 2, 0])  # class 3 predicted but never true; labels = union {0,1,2,3}
    m = classification_metrics(y_true, y_pred)
    p, r, f = sklearn_macro(y_true, y_pred)
    assert (m["precision"], m["recall"], m["f1"]) == pytest.approx((p, r, f))
    assert m["precision"] == pytest.approx((0.5 + 1 + 1 + 0) / 4)
    assert m["top1"] == pytest.approx(4 / 6)
    assert m["top5"] is None


def test_logits_rank_the_same_as_probabilities():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 7, size=60)
    logits = rng.normal(size=(60, 7)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    from_logits = classification_metrics(y, logits)
    assert from_logits == classification_metrics(y, probs)
    assert from_logits["top5"] == pytest.approx(top_k_accuracy_score(y, logits, k=5, labels=np.arange(7)))


def test_top5_needs_five_classes():
    y = np.array([0, 1, 2, 3])
    assert classification_metrics(y, np.eye(4))["top5"] is None
    assert classification_metrics(np.array([0, 1, 2, 3, 4]), np.eye(5))["top5"] == 1.0


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="do not match"):
        classification_metrics([0, 1, 2], np.eye(4))
    with pytest.raises(ValueError, match="empty"):
        classification_metrics([], [])
