"""Corpus BLEU of decoded translations against their references, by sacrebleu (its default 13a tokenization).

sacrebleu is the reference implementation, so a score here is comparable with published ones computed the same way
(the signature says how). Where it is not installed (the TX2-like env of scripts/make_py36_env.py; 2.3.x is its
last release for Python 3.6 and scores the demo as 2.6 does) BLEU is null with that reason rather than a home-made
approximation. Python 3.6-compatible itself (the run stage imports it).
"""

import platform
from typing import Any, Dict, List  # noqa: F401 (used by the type comments)


def corpus_bleu(hypotheses, references):
    # type: (List[str], List[str]) -> Dict[str, Any]
    """`{"bleu": 0..100, "bleu_signature": ...}`, or bleu None and `bleu_reason` where sacrebleu cannot run."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    try:
        from sacrebleu.metrics import BLEU
    except ImportError:
        reason = (
            f"sacrebleu is not importable in this Python ({platform.python_version()}; `pip install sacrebleu`, "
            "on Python 3.6 `pip install 'sacrebleu<2.4'`): BLEU is not measured"
        )
        return {"bleu": None, "bleu_signature": None, "bleu_reason": reason}
    metric = BLEU()
    score = metric.corpus_score(list(hypotheses), [list(references)])
    return {"bleu": float(score.score), "bleu_signature": str(metric.get_signature()), "bleu_reason": None}
