"""BLEU is sacrebleu's corpus BLEU: the same number on the same output, a hand-computed case, null without it."""

from __future__ import annotations

import sys

import pytest
import sacrebleu

from core.measure.bleu import corpus_bleu

HYPS = ["dreihundertzwölf, eins", "zweitausend", "siebenundvierzig, neun, null"]
REFS = ["dreihundertzwölf, eins", "zweitausendeins", "siebenundvierzig, neun, null"]


def test_equals_sacrebleu_corpus_bleu_on_the_same_output():
    assert corpus_bleu(HYPS, REFS)["bleu"] == pytest.approx(
        sacrebleu.corpus_bleu(HYPS, [REFS]).score, abs=1e-9
    )


def test_hand_computed_value():
    # one sentence, five tokens, one wrong at the end: n-gram precisions 4/5, 3/4, 2/3, 1/2, lengths equal (BP 1)
    expected = 100 * (4 / 5 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25  # 66.87
    assert corpus_bleu(["a b c d e"], ["a b c d f"])["bleu"] == pytest.approx(expected, abs=1e-6)


def test_perfect_output_scores_100_and_says_how_it_was_computed():
    score = corpus_bleu(REFS, REFS)
    assert score["bleu"] == pytest.approx(100.0)
    assert "tok:13a" in score["bleu_signature"] and score["bleu_reason"] is None


def test_without_sacrebleu_bleu_is_null_with_the_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "sacrebleu.metrics", None)  # import fails, as on a TX2's Python 3.6
    score = corpus_bleu(HYPS, REFS)
    assert score["bleu"] is None and "sacrebleu" in score["bleu_reason"]


def test_counts_must_match():
    with pytest.raises(ValueError, match="2 hypotheses for 3 references"):
        corpus_bleu(HYPS[:2], REFS)
