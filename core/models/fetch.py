"""Download a pretrained weights file into the cache, resumable and hash-checked; only when the user asks.

`tocompress fetch MODEL` is the one place tocompress touches the network: runs never download. A download goes to
`<file>.part`, resumes from its size with an HTTP Range request after a cut connection, and becomes the file only
when its digest matches the published one (a bad digest deletes the .part and says so). TF-slim archives are
unpacked beside it. `url` overrides the published address (a mirror, or a board behind a proxy).
"""

from __future__ import annotations

import http.client
import os
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.atomic import file_digest
from core.models.weights import WeightsError, WeightsFile, cache_dir, published

CHUNK_BYTES = 1 << 16
TIMEOUT_S = 30.0
# progress(done_bytes, total_bytes or None) after every chunk; total is None when the server does not say.
Progress = Callable[[int, "int | None"], None]


class FetchError(WeightsError):
    """A download that failed or arrived damaged; the message says what happened and what to try."""


def fetch_weights(
    model: str,
    dest_dir: Path | None = None,
    url: str | None = None,
    progress: Progress | None = None,
    wf: WeightsFile | None = None,
) -> Path:
    """Download `model`'s published weights file into `dest_dir` (the cache by default); the final path.

    An existing complete file is checked and kept; a `.part` left by a cut download is resumed.
    """
    wf = wf or published(model)
    if wf is None:
        raise FetchError(f"{model} has no published weights file to fetch; run it with --weights random")
    folder = Path(dest_dir) if dest_dir is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / wf.file_name
    if final.is_file() and _digest_ok(final, wf):
        _unpack(final, wf)
        return final
    part = final.with_name(final.name + ".part")
    source = url or wf.url
    _download(source, part, progress)
    if not _digest_ok(part, wf):
        got = file_digest(part, wf.algorithm)
        part.unlink()
        raise FetchError(
            f"downloaded {wf.file_name} from {source} but its {wf.algorithm} is {got}, not the published "
            f"{wf.digest}; deleted it. Check the address (--url) and fetch again"
        )
    os.replace(part, final)
    _unpack(final, wf)
    return final


def _digest_ok(path: Path, wf: WeightsFile) -> bool:
    return wf.digest is None or file_digest(path, wf.algorithm) == wf.digest.lower()


def _download(url: str, part: Path, progress: Progress | None) -> None:
    """Append `url`'s bytes to `part` from its current size (HTTP Range); FetchError on a failure."""
    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            if have and response.status != 206:
                have = 0  # the server ignored Range: start over
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            with open(part, "ab" if have else "wb") as out:
                done = have
                if progress:
                    progress(done, total)
                for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            if total is not None and done < total:
                raise FetchError(_cut(url, part, done, total))
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the .part already holds every byte
            return
        raise FetchError(
            f"{url} answered HTTP {exc.code} {exc.reason}; check the address or pass --url"
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if isinstance(exc, FetchError):
            raise
        size = part.stat().st_size if part.is_file() else 0
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            f"download of {url} stopped at {size} bytes ({reason}); run the same command again to resume, "
            f"or pass --url with a mirror"
        ) from None


def _cut(url: str, part: Path, done: int, total: int) -> str:
    return (
        f"download of {url} stopped at {done} of {total} bytes (connection closed); "
        f"{part.name} is kept: run the same command again to resume"
    )


def _unpack(archive: Path, wf: WeightsFile) -> None:
    """Extract a TF-slim `.tar.gz` beside itself (its checkpoint files), once."""
    if wf.kind != "slim-ckpt" or not archive.name.endswith(".tar.gz"):
        return
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() and "/" not in m.name.strip("./")]
        if all((archive.parent / m.name).is_file() for m in members):
            return
        tar.extractall(archive.parent, members=members, filter="data")
