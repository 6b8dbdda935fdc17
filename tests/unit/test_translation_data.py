"""Parallel text and tokenization for translation models: pieces, round trips, padding, files and errors."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import DatasetError
from core.data.translation import dataset_files, read_parallel, translation_eval_data
from core.models.registry import get_model_info, vocab_file
from core.samples.vocab import (
    EOS_ID,
    PAD_ID,
    SPECIAL_TOKENS,
    UNK_ID,
    Vocab,
    load_vocabs,
    pad_batch,
    save_vocabs,
)
from core.worker.seq_runner import trim_padding

PIECES = ["drei", "zwei", "hundert", "zwölf", "ein", "eins", "und", "zwanzig"]
GERMAN = Vocab([*SPECIAL_TOKENS, *PIECES, *("##" + p for p in PIECES), ","])


def test_compound_words_split_into_the_longest_known_pieces():
    assert GERMAN.tokenize("dreihundertzwölf, einundzwanzig") == [
        "drei", "##hundert", "##zwölf", ",", "ein", "##und", "##zwanzig",
    ]  # fmt: skip
    assert GERMAN.tokenize("einhunderteins") == ["ein", "##hundert", "##eins"]  # "eins" only where it fits
    assert GERMAN.tokenize("dreißig") == ["<unk>"]  # no piece covers "ßig": the whole word is unknown


def test_decode_inverts_encode_and_stops_at_eos():
    text = "dreihundertzwölf, einundzwanzig, zwei"
    ids = GERMAN.encode(text, eos=True)
    assert ids[-1] == EOS_ID
    assert GERMAN.decode([*ids, 5, 6]) == text  # what follows EOS is ignored
    assert GERMAN.decode([1, *GERMAN.encode("zwei"), PAD_ID]) == "zwei"  # BOS and PAD are skipped


def test_vocab_must_start_with_the_special_tokens():
    with pytest.raises(ValueError, match="must start with"):
        Vocab(["a", "b", "c", "d"])


def test_vocabs_round_trip_through_json(tmp_path):
    path = tmp_path / "v.json"
    save_vocabs(path, GERMAN, GERMAN)
    src, tgt = load_vocabs(path)
    assert src.tokens == tgt.tokens == GERMAN.tokens


def test_pad_batch_and_trim_padding():
    x = pad_batch([[5, 6], [7], [8, 9, 10]])
    assert x.dtype == np.int32 and x.tolist() == [[5, 6, 0], [7, 0, 0], [8, 9, 10]]
    assert trim_padding(x[:2]).tolist() == [[5, 6], [7, 0]]  # the column no sentence uses is cut
    assert trim_padding(x[1:2]).tolist() == [[7]]


def test_parallel_files_must_have_the_same_number_of_lines(tmp_path):
    src, ref = tmp_path / "a.en", tmp_path / "a.de"
    src.write_text("one\ntwo\n")
    ref.write_text("eins\n")
    with pytest.raises(ValueError, match="has 2 lines but .* has 1"):
        read_parallel(src, ref)
    ref.write_text("eins\nzwei\n")
    assert read_parallel(src, ref, limit=1) == (["one"], ["eins"])
    with pytest.raises(ValueError, match="does not exist"):
        read_parallel(src, tmp_path / "missing.de")


def test_dataset_names_a_shipped_set_or_two_files(tmp_path):
    src, ref, name = dataset_files(f"{tmp_path}/x.en:{tmp_path}/x.de")
    assert (src.name, ref.name, name) == ("x.en", "x.de", "x.en:x.de")
    assert dataset_files("numbers-en-de-test")[0].name == "test.en"
    with pytest.raises(ValueError, match="SOURCE_FILE:REFERENCE_FILE"):
        dataset_files("just-a-name")


def test_random_weights_get_seeded_token_ids_without_references():
    a = translation_eval_data("nmt", None, 5, "random")
    b = translation_eval_data("nmt", None, 5, "random")
    assert a.x.dtype == np.int32 and a.x.shape == (5, 12) and a.y is None and a.vocab is None
    assert (a.x == b.x).all() and a.x.min() >= len(SPECIAL_TOKENS)


def test_a_model_without_vocabulary_cannot_score_text():
    with pytest.raises(DatasetError, match="no vocabulary"):
        translation_eval_data("nmt", "numbers-en-de-test")


class _FakeSession:
    """Stands in for the frozen decoder: echoes the source ids as target ids."""

    def run(self, fetch, feed):
        (x,) = feed.values()
        return np.concatenate([x, np.full((len(x), 1), EOS_ID, np.int32)], axis=1)


class _Built:
    inputs, outputs = ["x:0"], ["ids:0"]


def test_the_run_stage_scores_decoded_hypotheses_with_bleu():
    from core.samples.evaldata import EvalData
    from core.worker.seq_runner import evaluate_translation

    refs = ["dreihundertzwölf, zwei, drei", "einundzwanzig, zwei, drei", "zwei, drei, zwei, drei"]
    x = pad_batch([GERMAN.encode(r) for r in refs[:2]] + [GERMAN.encode("zwei, drei, zwei, zwei")])
    events = []
    evaluation = EvalData(x, np.array(refs), "toy", None, np.array(GERMAN.tokens))
    evaluate_translation(
        _FakeSession(), _Built(), evaluation, lambda kind, **f: events.append((kind, f)), "q8"
    )
    ((kind, fields),) = events
    assert kind == "eval" and fields["task"] == "translation" and fields["n_samples"] == 3
    import sacrebleu

    expected = sacrebleu.corpus_bleu([*refs[:2], "zwei, drei, zwei, zwei"], [refs]).score
    assert fields["bleu"] == pytest.approx(expected) and 0 < fields["bleu"] < 100
    assert fields["top1"] is None and "BLEU" in fields["reason"]
    assert fields["examples"][0] == {"hypothesis": refs[0], "reference": refs[0]}


def test_a_user_pair_of_files_is_tokenized_with_the_demo_vocabulary(tmp_path):
    from core.data import load_eval_set

    (tmp_path / "a.en").write_text("three hundred and twelve, one\nseven\n")
    (tmp_path / "a.de").write_text("dreihundertzwölf, eins\nsieben\n")
    evaluation = translation_eval_data("nmt-demo", f"{tmp_path}/a.en:{tmp_path}/a.de")
    src, tgt = load_vocabs(vocab_file(get_model_info("nmt-demo")))
    assert evaluation.x.shape == (2, 6) and UNK_ID not in evaluation.x  # three hundred and twelve , one
    assert src.decode(evaluation.x[1]) == "seven" and list(evaluation.y) == [
        "dreihundertzwölf, eins",
        "sieben",
    ]
    assert list(evaluation.vocab) == tgt.tokens
    (tmp_path / "a.de").write_text("sieben\n")
    with pytest.raises(DatasetError, match="has 2 lines but"):
        load_eval_set(
            "nmt-demo", f"{tmp_path}/a.en:{tmp_path}/a.de", limit=1
        )  # what the CLI's preflight runs
