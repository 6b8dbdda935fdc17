"""What a `.tflite` artifact was made from, in a small JSON beside it, so a later run can reuse it like a `.tcz`.

A `.tcz` carries its setting, source and blocks in its own header; a flatbuffer has no room we control, so the
same record sits in `<artifact>.json`. The record names the flatbuffer's size and SHA-256: a `.tflite` replaced or
damaged since is made again rather than trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from core.atomic import file_digest, write_atomic

SIDECAR_VERSION = 1


def sidecar_path(artifact: str | os.PathLike[str]) -> Path:
    """`runs/digits-cnn-tflite-int8.tflite` -> `runs/digits-cnn-tflite-int8.tflite.json`."""
    path = Path(artifact)
    return path.with_name(path.name + ".json")


def write_tflite_record(
    artifact: str | os.PathLike[str],
    spec: str,
    source: dict[str, Any],
    params: int,
    nonzero_params: int,
    blocks: dict[str, Any],
) -> Path:
    """Record beside the written `.tflite` the setting, source, counts and blocks its `model` event reported."""
    path = Path(artifact)
    record = {
        "sidecar_version": SIDECAR_VERSION,
        "spec": spec,
        "source": source,
        "params": int(params),
        "nonzero_params": int(nonzero_params),
        "blocks": blocks,
        "size_bytes": path.stat().st_size,
        "sha256": file_digest(path),
    }
    side = sidecar_path(path)
    write_atomic(side, [json.dumps(record, indent=1, sort_keys=True).encode()])
    return side


def read_tflite_record(artifact: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The record of an intact `.tflite` (header-like: spec, source, params, nonzero_params, blocks), else None."""
    path = Path(artifact)
    side = sidecar_path(path)
    if not path.is_file() or not side.is_file():
        return None
    try:
        record = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("sidecar_version") != SIDECAR_VERSION:
        return None
    if record.get("size_bytes") != path.stat().st_size or record.get("sha256") != file_digest(path):
        return None  # the flatbuffer changed since it was recorded
    return record
