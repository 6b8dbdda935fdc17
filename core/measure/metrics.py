"""Classification quality the paper reports: top-1/top-5 accuracy and macro precision, recall and F1.

Pure numpy, written to agree with scikit-learn's defaults (labels = union of true and predicted labels,
zero_division=0, macro average of per-class scores) so the numbers mean what readers expect, without importing
scikit-learn into the worker.
"""

from typing import Any, Dict, Tuple  # noqa: F401 (used by the type comments)

import numpy as np

TOP5_MIN_CLASSES = 5


def _top_k(y_true, scores, k):
    # type: (np.ndarray, np.ndarray, int) -> float
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]  # O(N*C), unlike a full sort; ties may pick either
    return float(np.mean(np.any(top == y_true[:, None], axis=1)))


def _macro_prf(y_true, y_pred):
    # type: (np.ndarray, np.ndarray) -> Tuple[float, float, float]
    labels = np.union1d(y_true, y_pred)
    true_i = np.searchsorted(labels, y_true)
    pred_i = np.searchsorted(labels, y_pred)
    tp = np.bincount(true_i[true_i == pred_i], minlength=labels.size).astype(np.float64)
    pred_n = np.bincount(pred_i, minlength=labels.size).astype(np.float64)
    true_n = np.bincount(true_i, minlength=labels.size).astype(np.float64)
    precision = np.divide(tp, pred_n, out=np.zeros_like(tp), where=pred_n > 0)
    recall = np.divide(tp, true_n, out=np.zeros_like(tp), where=true_n > 0)
    f1 = np.divide(2 * tp, pred_n + true_n, out=np.zeros_like(tp), where=(pred_n + true_n) > 0)
    return float(precision.mean()), float(recall.mean()), float(f1.mean())


def classification_metrics(y_true, scores):
    # type: (Any, Any) -> Dict[str, Any]
    """Metrics for integer labels `y_true` (N,) against scores (N, C) (probabilities or logits) or labels (N,).

    top5 is None when there are fewer than 5 classes or only predicted labels are given (no ranking to use).
    """
    y = np.asarray(y_true).reshape(-1).astype(np.int64)
    s = np.asarray(scores)
    if y.size == 0:
        raise ValueError("no samples to evaluate; the evaluation set is empty")
    if s.shape[0] != y.size or s.ndim not in (1, 2):
        raise ValueError(
            f"scores of shape {s.shape} do not match {y.size} labels; expected (N,) or (N, classes)"
        )
    if s.ndim == 2:
        y_pred = np.argmax(s, axis=1)
        top5 = _top_k(y, s, 5) if s.shape[1] >= TOP5_MIN_CLASSES else None
    else:
        y_pred = s.astype(np.int64)
        top5 = None
    precision, recall, f1 = _macro_prf(y, y_pred)
    return {
        "top1": float(np.mean(y_pred == y)),
        "top5": top5,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "n_samples": int(y.size),
    }
