"""The tokenization of translation models: sentences to a model's ids, and its output ids back into text.

Tokens are words and punctuation marks (`\\w+` or one other non-space character); a word missing from the vocabulary
is split WordPiece-style into the longest known pieces, continuation pieces spelled `##piece` (a German number word
such as `dreihundertzwölf` becomes `drei ##hundert ##zwölf`), and a word that cannot be split is `<unk>`. Decoding
glues `##` pieces onto the word before them and punctuation onto the word before it, so text survives the round
trip. The vocabulary ships beside the model as JSON: `{"source": [...], "target": [...]}`, ids 0..3 being
`<pad> <s> </s> <unk>` on both sides (core.models.nmt uses the same ids).

Python 3.6-compatible: the run stage decodes the hypotheses with `Vocab.decode` (core.data is not: it holds the
parallel text files, core.data.translation).
"""

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple  # noqa: F401 (used by the type comments)

import numpy as np

SPECIAL_TOKENS = ("<pad>", "<s>", "</s>", "<unk>")
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
CONTINUATION = "##"
_TOKEN = re.compile(r"\w+|[^\w\s]")
_NO_SPACE_BEFORE = frozenset(",.;:!?)]}'")


class Vocab:
    """One side's tokens, in id order (the four special tokens first)."""

    def __init__(self, tokens):
        # type: (List[str]) -> None
        if tuple(tokens[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"a vocabulary must start with {SPECIAL_TOKENS}, not {tokens[:4]}")
        self.tokens = list(tokens)
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self._longest = max(len(t) for t in self.tokens)

    def __len__(self):
        # type: () -> int
        return len(self.tokens)

    def pieces(self, word):
        # type: (str) -> List[str]
        """`word` as itself when known, else its greedy longest-match pieces, else `<unk>`."""
        out = []  # type: List[str]
        start = 0
        while start < len(word):
            prefix = CONTINUATION if start else ""
            for end in range(min(len(word), start + self._longest), start, -1):
                if prefix + word[start:end] in self.ids:
                    out.append(prefix + word[start:end])
                    start = end
                    break
            else:
                return [SPECIAL_TOKENS[UNK_ID]]
        return out

    def tokenize(self, text):
        # type: (str) -> List[str]
        return [piece for word in _TOKEN.findall(text) for piece in self.pieces(word)]

    def encode(self, text, eos=False):
        # type: (str, bool) -> List[int]
        """Ids of `text`, with EOS appended when `eos` (target sequences for training)."""
        ids = [self.ids[t] for t in self.tokenize(text)]
        return ids + [EOS_ID] if eos else ids

    def decode(self, ids):
        # type: (Any) -> str
        """Text of `ids`, up to the first EOS; PAD and BOS are skipped."""
        words = []  # type: List[str]
        for i in ids:
            i = int(i)
            if i == EOS_ID:
                break
            if i in (PAD_ID, BOS_ID) or not 0 <= i < len(self.tokens):
                continue
            token = self.tokens[i]
            if words and token.startswith(CONTINUATION) and len(token) > len(CONTINUATION):
                words[-1] += token[len(CONTINUATION) :]
            elif words and token in _NO_SPACE_BEFORE:
                words[-1] += token
            else:
                words.append(token)
        return " ".join(words)


def load_vocabs(path):
    # type: (Any) -> Tuple[Vocab, Vocab]
    """The source and target vocabularies of a model, from its JSON file."""
    with open(str(path), encoding="utf-8") as f:
        data = json.load(f)
    return Vocab(data["source"]), Vocab(data["target"])


def save_vocabs(path, source, target):
    # type: (Any, Vocab, Vocab) -> None
    Path(path).write_text(
        json.dumps({"source": source.tokens, "target": target.tokens}, ensure_ascii=False, indent=0)
    )


def pad_batch(sequences, length=None):
    # type: (List[List[int]], Optional[int]) -> np.ndarray
    """int32 (N, length) with PAD after each sequence; `length` defaults to the longest (at least 1)."""
    width = length or max([len(s) for s in sequences] + [1])
    out = np.full((len(sequences), width), PAD_ID, dtype=np.int32)
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = seq[:width]
    return out
