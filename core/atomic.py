"""Write a file atomically: a crash or a full disk leaves the old file or the new one, never half of one; and
the one streaming digest of a file (weights checks, the weights block, the TFLite cache).

Used by result files and compressed-model artifacts. Python 3.6-compatible (the TX2 runner may import modules
that use it), hence comment-style type hints.
"""

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Union  # noqa: F401, UP035 (used by the type comments; Python 3.6)


def write_atomic(path, chunks):
    # type: (Union[str, os.PathLike], Iterable[bytes]) -> Path
    """Write `chunks` to a temp file in the same folder, fsync it, rename it over `path`; raises OSError on failure.

    Same folder, so the rename never crosses a file system (where it would be a copy, not atomic). The folder is
    created if missing; the temp file is removed on any failure, including an exception raised by `chunks`.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix="." + target.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, str(target))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # already gone; the original error is the one to report
        raise
    return target


def file_digest(path, algorithm="sha256", chunk_bytes=1 << 20):
    # type: (Union[str, os.PathLike], str, int) -> str
    """Hex digest of a file, read in chunks (VGG's weights are over 500 MB)."""
    h = hashlib.new(algorithm)
    with open(str(path), "rb") as f:
        for chunk in iter(lambda: f.read(chunk_bytes), b""):
            h.update(chunk)
    return h.hexdigest()


class LockHeld(Exception):
    """Another process holds the lock; `holder` is the pid it wrote there ("unknown" when it wrote none)."""

    def __init__(self, holder):
        # type: (str) -> None
        Exception.__init__(self, holder)
        self.holder = holder


def lock_with_pid(path):
    # type: (Union[str, os.PathLike]) -> int
    """An exclusive flock on `path` with this process's pid written in it; returns the descriptor. Closing it
    releases the lock, and the kernel drops it when the process dies, so a stale lock is simply taken over."""
    # Distinct flag bits added, not or-ed: vermin (the Python 3.6 check) reads `A.B | C.D` as a 3.10 union type.
    fd = os.open(str(path), os.O_RDWR + os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX + fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise LockHeld(holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd
