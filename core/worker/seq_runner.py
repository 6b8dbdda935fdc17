"""The run stage's translation path: one sentence per timed inference, greedy decoding, BLEU on the whole set.

A translation artifact's graph maps source ids (B, S) to target ids (B, max_decode_len) in one `sess.run` (the
decoder's loop is inside the graph), so timing and the per-op trace (its loop ops are class G) are the runner's own
(core.worker.runner dispatches here on samples that carry a vocabulary); only the sample that is timed and the
score differ. The timed sample is the first sentence (the first `batch_size`), cut to its own length, so latency
is per sentence. Hypotheses are decoded with the target vocabulary the compress stage put in the evaluation samples
and scored by sacrebleu (core.measure.bleu). Python 3.6-compatible.
"""

from typing import Any, Callable, List  # noqa: F401 (used by the type comments)

import numpy as np

from core.samples.vocab import PAD_ID, Vocab

EVAL_BATCH = 64
EXAMPLES = 3  # hypotheses shown with the score, so a bad BLEU can be looked at
SCORED_BY_BLEU = "a translation model: scored by BLEU, not by classification metrics"


def trim_padding(x):
    # type: (np.ndarray) -> np.ndarray
    """Source ids (N, S) without the trailing padding columns that no sentence of them needs."""
    used = np.flatnonzero((x != PAD_ID).any(axis=0))
    return x[:, : int(used[-1]) + 1] if used.size else x[:, :1]


def evaluate_translation(sess, built, evaluation, emit, variant):
    # type: (Any, Any, Any, Callable[..., None], str) -> None
    """Decode every source sentence, in batches, on the timed graph; emit BLEU against the references."""
    from core.measure.bleu import corpus_bleu

    vocab = Vocab([str(t) for t in evaluation.vocab])
    hypotheses = []  # type: List[str]
    for i in range(0, len(evaluation.x), EVAL_BATCH):
        ids = sess.run(built.outputs[0], {built.inputs[0]: trim_padding(evaluation.x[i : i + EVAL_BATCH])})
        hypotheses.extend(vocab.decode(row) for row in ids)
    references = [str(r) for r in evaluation.y]
    score = corpus_bleu(hypotheses, references)
    pairs = zip(hypotheses[:EXAMPLES], references[:EXAMPLES])  # noqa: B905 (Python 3.6: no strict=)
    examples = [{"hypothesis": h, "reference": r} for h, r in pairs]
    emit("eval", variant=variant, dataset=evaluation.name, n_samples=len(hypotheses), top1=None, top5=None,
         precision=None, recall=None, f1=None, task="translation", bleu=score["bleu"],
         bleu_signature=score["bleu_signature"], reason=score["bleu_reason"] or SCORED_BY_BLEU,
         examples=examples)  # fmt: skip
