"""Train the shipped demo translation model `nmt-demo`: English number phrases to German, a small GNMT-style model.

The corpus is generated, never downloaded: num2words spells 0..999 in English and German; a seeded permutation
holds 100 of the numbers out, and test sentences are made of held-out numbers only, so the test BLEU measures
translation of numbers the model never saw (their pieces, `drei ##hundert ##zwölf`, it did see). Each sentence is
1 to 3 numbers (test: 2 to 3) joined by commas. Writes assets/models/nmt-demo.keras, its vocabulary
assets/models/nmt-demo.vocab.json, and the test split as parallel text assets/data/numbers-en-de/test.{en,de}
(shipped rather than regenerated, so references stay fixed whatever num2words release is installed, and no stage
of a run needs num2words). Run from the repository root: `python scripts/train_nmt_demo.py` (a few minutes on
two CPU cores). BLEU is over whole words, so one wrong piece of `dreihundertzwölf` makes the whole number wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED = 0
N_NUMBERS = 1_000
N_HELD_OUT = 100
N_TRAIN_SENTENCES = 20_000
N_TEST_SENTENCES = 500
# German number words are compounds; these are their pieces (greedy longest match splits every word 0..9999).
GERMAN_PIECES = (
    "null eins ein zwei drei vier fünf sechs sieben acht neun zehn elf zwölf sechzehn siebzehn zwanzig dreißig "
    "vierzig fünfzig sechzig siebzig achtzig neunzig hundert tausend und"
).split()
CONFIG = {
    "embed_units": 32,
    "units": 96,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "attention": "bahdanau",
    "max_decode_len": 32,
}


def number_words(n: int) -> tuple[str, str]:
    from num2words import num2words

    return num2words(n).replace(",", ""), num2words(n, lang="de")


def sentences(
    numbers: np.ndarray, count: int, sizes: tuple[int, int], rng: np.random.Generator
) -> list[tuple]:
    out = []
    for _ in range(count):
        picked = rng.choice(numbers, size=rng.integers(sizes[0], sizes[1] + 1))
        pairs = [number_words(int(n)) for n in picked]
        out.append((", ".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)))
    return out


def make_corpus() -> tuple[list[tuple], list[tuple]]:
    rng = np.random.default_rng(SEED)
    order = rng.permutation(N_NUMBERS)
    held_out, train = order[:N_HELD_OUT], order[N_HELD_OUT:]
    train_sentences = sentences(
        train, N_TRAIN_SENTENCES, (1, 3), rng
    )  # drawn first, as the shipped split was
    return train_sentences, sentences(held_out, N_TEST_SENTENCES, (2, 3), rng)


def make_vocabs():
    import re

    from core.samples.vocab import CONTINUATION, SPECIAL_TOKENS, Vocab

    english = sorted({w for n in range(N_NUMBERS) for w in re.findall(r"\w+|[^\w\s]", number_words(n)[0])})
    german = [*GERMAN_PIECES, *(CONTINUATION + p for p in GERMAN_PIECES)]
    return Vocab([*SPECIAL_TOKENS, *english, ","]), Vocab([*SPECIAL_TOKENS, *german, ","])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "assets")
    args = parser.parse_args()

    import keras
    import sacrebleu

    from core.models.nmt import NMTConfig, build_nmt
    from core.samples.vocab import BOS_ID, UNK_ID, pad_batch, save_vocabs

    started, started_cpu = time.perf_counter(), time.process_time()
    train, test = make_corpus()
    src_vocab, tgt_vocab = make_vocabs()
    for n in range(N_NUMBERS):  # every number word must split into known pieces
        assert UNK_ID not in tgt_vocab.encode(number_words(n)[1]), number_words(n)
        assert tgt_vocab.decode(tgt_vocab.encode(number_words(n)[1])) == number_words(n)[1]
    x = pad_batch([src_vocab.encode(s) for s, _ in train])
    y = pad_batch([tgt_vocab.encode(t, eos=True) for _, t in train])
    y_in = np.concatenate([np.full((len(y), 1), BOS_ID, np.int32), y[:, :-1]], axis=1)

    keras.utils.set_random_seed(SEED)
    config = NMTConfig(src_vocab=len(src_vocab), tgt_vocab=len(tgt_vocab), **CONFIG)
    inference, training = build_nmt(config)
    training.compile(
        optimizer=keras.optimizers.Adam(5e-3, clipnorm=5.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    training.fit([x, y_in], y, sample_weight=(y != 0).astype(np.float32), batch_size=128, epochs=args.epochs,
                 shuffle=True, verbose=2)  # fmt: skip
    trained_s, trained_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu

    src_test = pad_batch([src_vocab.encode(s) for s, _ in test])
    ids = np.concatenate(
        [inference.predict(src_test[i : i + 100], verbose=0) for i in range(0, len(test), 100)]
    )
    hypotheses = [tgt_vocab.decode(row) for row in ids]
    bleu = sacrebleu.corpus_bleu(hypotheses, [[t for _, t in test]]).score
    print(f"params {inference.count_params():,}; trained in {trained_s:.0f} s ({trained_cpu_s:.0f} s of CPU); "
          f"test BLEU {bleu:.1f}")  # fmt: skip
    for (s, t), h in list(zip(test, hypotheses, strict=True))[:3]:
        print(f"  {s}\n  -> {h}\n  ref {t}")

    (args.out / "models").mkdir(parents=True, exist_ok=True)
    inference.save(args.out / "models" / "nmt-demo.keras")
    save_vocabs(args.out / "models" / "nmt-demo.vocab.json", src_vocab, tgt_vocab)
    data = args.out / "data" / "numbers-en-de"
    data.mkdir(parents=True, exist_ok=True)
    (data / "test.en").write_text("".join(s + "\n" for s, _ in test), encoding="utf-8")
    (data / "test.de").write_text("".join(t + "\n" for _, t in test), encoding="utf-8")
    print(f"wrote {args.out}/models/nmt-demo.keras and the test split in {data}")


if __name__ == "__main__":
    main()
