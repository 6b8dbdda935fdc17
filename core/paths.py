"""Where the shipped assets live; one place so tests and an installed copy agree (Python 3.6-compatible: the runner
reads the op-class table through it)."""

import os
from pathlib import Path


def assets_dir():
    # type: () -> Path
    """The assets folder: $TOCOMPRESS_ASSETS if set, else the repository's `assets/` beside `core/`."""
    override = os.environ.get("TOCOMPRESS_ASSETS")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "assets"


def asset(*parts):
    # type: (*str) -> Path
    """Path of one shipped asset file, raising a clear error if it is missing (a broken checkout)."""
    path = assets_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"missing assets file {path}: restore it with `git checkout -- assets/` or set TOCOMPRESS_ASSETS"
        )
    return path
