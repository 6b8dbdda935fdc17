"""Parallel text for translation models (a source file and a reference file, one sentence per line) and the
evaluation samples made from it: source ids, reference strings and the target vocabulary.

The compress stage (and the CLI's preflight) call this; the run stage gets the samples as the `.npz` file
(core.samples.evaldata) and decodes with core.samples.vocab, so this module may use the registry and modern Python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.samples.evaldata import EvalData
from core.samples.vocab import SPECIAL_TOKENS, load_vocabs, pad_batch

# `--dataset SRC:REF`: two files; the named sets below ship in assets/.
NAMED_SETS = {"numbers-en-de-test": ("data/numbers-en-de/test.en", "data/numbers-en-de/test.de")}
# Synthetic source ids for random weights stay below this (every vocabulary a builder makes is at least this big).
SYNTHETIC_MAX_ID = 40
SYNTHETIC_SENTENCES = 32
SYNTHETIC_LENGTH = 12
SYNTHETIC_SEED = 0


def read_parallel(
    source_path: str | Path, reference_path: str | Path, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """The sentences of a source file and its reference file (one per line, same count); ValueError says what
    is wrong."""
    paths = (Path(source_path), Path(reference_path))
    for path in paths:
        if not path.is_file():
            raise ValueError(f"parallel text file {path} does not exist")
    sides = [path.read_text(encoding="utf-8").splitlines() for path in paths]
    if len(sides[0]) != len(sides[1]):
        raise ValueError(
            f"{paths[0]} has {len(sides[0])} lines but {paths[1]} has {len(sides[1])}: "
            "a source file and its reference file need one sentence per line each"
        )
    if limit is not None:
        sides = [side[:limit] for side in sides]
    if not sides[0]:
        raise ValueError(f"{paths[0]} holds no sentences")
    return sides[0], sides[1]


def dataset_files(dataset: str) -> tuple[Path, Path, str]:
    """The source and reference files a `--dataset` value names (a shipped set's name, or `SRC:REF`), and a name."""
    from core.paths import assets_dir

    named = NAMED_SETS.get(dataset.strip().lower())
    if named is not None:
        return assets_dir() / named[0], assets_dir() / named[1], dataset.strip().lower()
    if dataset.count(":") != 1:
        raise ValueError(
            f"translation dataset {dataset!r}: give SOURCE_FILE:REFERENCE_FILE (one sentence a line each) "
            f"or one of: {', '.join(NAMED_SETS)}"
        )
    src, ref = dataset.split(":")
    return Path(src).expanduser(), Path(ref).expanduser(), Path(src).name + ":" + Path(ref).name


def translation_eval_data(
    model_name: str, dataset: str | None = None, limit: int | None = None, weights: str | None = None
) -> EvalData:
    """Source ids (N, S) int32 padded, references and the target vocabulary; seeded random ids without references
    for random weights and no dataset. DatasetError says what is wrong."""
    from core.data import DatasetError
    from core.models.registry import get_model_info, vocab_file

    info = get_model_info(model_name)
    vocab_path = vocab_file(info)
    if limit is not None and limit < 1:
        raise DatasetError(f"evaluation limit {limit} must be at least 1, or unset for the whole set")
    if weights == "random" and dataset is None:
        top = SYNTHETIC_MAX_ID if vocab_path is None else len(load_vocabs(vocab_path)[0])
        count = min(SYNTHETIC_SENTENCES, limit or SYNTHETIC_SENTENCES)
        rng = np.random.default_rng(SYNTHETIC_SEED)
        x = rng.integers(len(SPECIAL_TOKENS), top, size=(count, SYNTHETIC_LENGTH)).astype(np.int32)
        return EvalData(x, None, "synthetic (seeded random source ids, no references)", None)
    chosen = dataset if dataset is not None else info.dataset
    if chosen is None or vocab_path is None:
        raise DatasetError(
            f"{info.name} has no vocabulary here, so no text can be translated or scored; run it with "
            "--weights random and no --dataset, or use nmt-demo"
        )
    try:
        src_path, ref_path, name = dataset_files(chosen)
        sources, references = read_parallel(src_path, ref_path, limit)
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    src_vocab, tgt_vocab = load_vocabs(vocab_path)
    x = pad_batch([src_vocab.encode(s) for s in sources])
    return EvalData(x, np.array(references), name, None, np.array(tgt_vocab.tokens))
