"""Flags for a model the user brings (`--model path/to/file` with `--input-shape`, `--preprocess`, and for a frozen
`.pb` `--input-name`/`--output-name`), checked before any process starts."""

from __future__ import annotations

import argparse
from typing import Any


def add_model_file_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input-shape", default=None, help="with --model FILE: input shape without the batch, e.g. 224,224,3"
    )
    p.add_argument(
        "--preprocess",
        default=None,
        choices=("tf", "caffe", "torch", "none"),
        help="with --model FILE: how images are scaled for it (default none); registry models know their own",
    )
    p.add_argument(
        "--input-name", default=None, help="with a frozen .pb: the input op (default: its Placeholder)"
    )
    p.add_argument(
        "--output-name", default=None, help="with a frozen .pb: the output op (default: the last op)"
    )


def user_model_args(args: argparse.Namespace, compression: Any) -> dict[str, Any] | None:
    """The RunSpec `model_args` when `--model` names a file (checked with the setting and the dataset), else None."""
    from core.models.user_model import check_setting, looks_like_path, user_model

    if not looks_like_path(args.model):
        return None
    um = user_model(
        args.model,
        getattr(args, "input_shape", None),
        getattr(args, "preprocess", None),
        getattr(args, "input_name", None),
        getattr(args, "output_name", None),
    )
    check_setting(um, compression)
    dataset = getattr(args, "dataset", None)
    if dataset is not None and um.input_shape is not None:
        from core.data import load_eval_set

        load_eval_set(um.name, dataset, 1, input_shape=um.input_shape, preprocess=um.preprocess)
    return um.to_args()
