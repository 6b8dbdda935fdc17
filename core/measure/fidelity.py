"""Fidelity without labels: how far a compressed model's outputs moved from the baseline's on the same inputs.

Two figures: the share of samples whose top-1 class agrees with the baseline's, and the mean KL divergence
KL(baseline || compressed) between their output distributions. Both need no labels, so they measure what
compression did even with random weights or unlabelled images. Scores may be probabilities (a softmax output) or
logits (softmax is applied); probabilities are clipped to EPSILON and renormalized, so a zero never makes the KL
infinite. The baseline's run stage saves its scores beside the evaluation samples; a compressed variant's run stage
loads them, after checking they come from the same weights and the same samples. Python 3.6-compatible (run stage).
"""

import json
import zlib
from pathlib import Path
from typing import Any, Dict, Optional  # noqa: F401 (used by the type comments)

import numpy as np

from core.atomic import write_atomic

EPSILON = 1e-7
_SUM_TOLERANCE = 1e-3  # rows summing to 1 within this are probabilities already
BASELINE = "baseline"


def as_probabilities(scores):
    # type: (np.ndarray) -> np.ndarray
    """Rows of `scores` as probability distributions (float64): kept if they already are, softmax of logits else."""
    s = np.asarray(scores, dtype=np.float64).reshape(len(scores), -1)
    if s.size and s.min() >= 0.0 and np.all(np.abs(s.sum(axis=1) - 1.0) <= _SUM_TOLERANCE):
        return s
    shifted = s - s.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def fidelity(reference, scores):
    # type: (np.ndarray, np.ndarray) -> Dict[str, Any]
    """Top-1 agreement share and mean KL(reference || scores) over the samples (rows) of two score arrays; for
    integer outputs (a translator's token ids) the share of identical rows, and no KL."""
    if np.shape(reference) != np.shape(scores):
        raise ValueError(f"outputs of shape {np.shape(scores)} cannot be compared with {np.shape(reference)}")
    n = int(len(scores))
    if n == 0:
        return {"agreement": None, "kl_mean": None, "n_samples": 0, "reason": "no samples"}
    if np.issubdtype(np.asarray(scores).dtype, np.integer):  # a decoder's token ids, not a distribution
        same = np.all(np.asarray(reference).reshape(n, -1) == np.asarray(scores).reshape(n, -1), axis=1)
        return {"agreement": float(np.mean(same)), "kl_mean": None, "n_samples": n, "unit": "sequence",
                "reason": "the model emits token ids: agreement is the share of identical outputs, no KL"}  # fmt: skip
    p, q = as_probabilities(reference), as_probabilities(scores)
    agreement = float(np.mean(np.argmax(p, axis=1) == np.argmax(q, axis=1)))
    p, q = _clip(p), _clip(q)
    kl = np.sum(p * (np.log(p) - np.log(q)), axis=1)
    return {"agreement": agreement, "kl_mean": float(max(0.0, np.mean(kl))), "n_samples": n}


def _clip(p):
    # type: (np.ndarray) -> np.ndarray
    clipped = np.clip(p, EPSILON, 1.0)
    return clipped / clipped.sum(axis=1, keepdims=True)


def outputs_path(eval_path):
    # type: (Path) -> Path
    """Where the baseline's scores on the samples at `eval_path` live: beside them, named after them."""
    path = Path(eval_path)
    return path.with_name(path.stem + "-baseline-outputs.npz")


def samples_crc(x):
    # type: (np.ndarray) -> int
    """A checksum of the evaluation inputs, so scores are compared only on the very samples they came from."""
    return zlib.crc32(np.ascontiguousarray(x).data.cast("B")) & 0xFFFFFFFF  # no copy of the samples


def save_baseline_outputs(path, scores, source, x):
    # type: (Path, np.ndarray, Dict[str, Any], np.ndarray) -> None
    """Write the baseline's scores with what they were made from (artifact source, samples checksum)."""
    import io

    buf = io.BytesIO()
    np.savez(buf, scores=np.asarray(scores, dtype=np.float32), source=np.array(_source_key(source)),
             crc=np.array(samples_crc(x), dtype=np.int64))  # fmt: skip
    write_atomic(path, [buf.getvalue()])


def fidelity_block(variant, scores, source, x, eval_path):
    # type: (str, np.ndarray, Dict[str, Any], np.ndarray, Path) -> Dict[str, Any]
    """The run's `fidelity` block: the baseline saves its scores and agrees with itself; a compressed variant is
    compared with the saved baseline scores, or gets nulls and the reason they cannot be used."""
    path = outputs_path(eval_path)
    if variant == BASELINE:
        save_baseline_outputs(path, scores, source, x)
        return {"agreement": 1.0, "kl_mean": 0.0, "n_samples": int(len(scores)), "reference": "itself"}
    reason = _unusable(path, source, x)
    if reason is None:
        with np.load(str(path), allow_pickle=False) as archive:
            reference = archive["scores"]
        if reference.shape != np.shape(scores):
            reason = f"baseline outputs {path} have shape {reference.shape}, not {np.shape(scores)}"
        else:
            return dict(fidelity(reference, scores), reference=str(path))
    return {"agreement": None, "kl_mean": None, "n_samples": 0, "reference": None, "reason": reason}


def _unusable(path, source, x):
    # type: (Path, Dict[str, Any], np.ndarray) -> Optional[str]
    if not path.is_file():
        return f"no baseline outputs at {path}: measure the baseline with the same weights and samples first"
    with np.load(str(path), allow_pickle=False) as archive:
        if str(archive["source"]) != _source_key(source):
            return f"baseline outputs {path} come from other weights; measure the baseline again"
        if int(archive["crc"]) != samples_crc(x):
            return f"baseline outputs {path} were made on other samples; measure the baseline again"
    return None


def _source_key(source):
    # type: (Dict[str, Any]) -> str
    return json.dumps(source or {}, sort_keys=True)
