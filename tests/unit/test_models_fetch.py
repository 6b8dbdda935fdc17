"""`tocompress fetch`: download, resume after a cut connection, hash check, against a server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.atomic import file_digest
from core.models.fetch import FetchError, fetch_weights
from core.models.weights import WeightsError, WeightsFile, verify

PAYLOAD = bytes(range(256)) * 400  # 102400 bytes


class _Handler(BaseHTTPRequestHandler):
    """Serves PAYLOAD at /w.h5 with Range support; `cut_at` closes the first full response after that many bytes."""

    cut_at: int | None = None
    ranges: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/w.h5":
            self.send_error(404)
            return
        start = 0
        header = self.headers.get("Range")
        type(self).ranges.append(header or "")
        if header:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(PAYLOAD):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = type(self).cut_at
        if cut is not None and not header:
            type(self).cut_at = None
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.cut_at = None
    _Handler.ranges = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/w.h5"
    httpd.shutdown()
    httpd.server_close()


def _wf(url: str, digest: str | None = None) -> WeightsFile:
    return WeightsFile("tiny", "w.h5", url, digest or hashlib.sha256(PAYLOAD).hexdigest(), "sha256")


def test_fetch_downloads_with_progress_and_checks_hash(server: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    path = fetch_weights("tiny", tmp_path, progress=lambda d, t: seen.append((d, t)), wf=_wf(server))
    assert path == tmp_path / "w.h5"
    assert path.read_bytes() == PAYLOAD
    assert seen[0] == (0, len(PAYLOAD)) and seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert not (tmp_path / "w.h5.part").exists()


def test_cut_connection_keeps_part_and_the_next_fetch_resumes_with_range(server: str, tmp_path: Path) -> None:
    _Handler.cut_at = 30000
    with pytest.raises(FetchError, match="resume"):
        fetch_weights("tiny", tmp_path, wf=_wf(server))
    part = tmp_path / "w.h5.part"
    assert part.stat().st_size == 30000
    path = fetch_weights("tiny", tmp_path, wf=_wf(server))
    assert path.read_bytes() == PAYLOAD
    assert _Handler.ranges == ["", "bytes=30000-"]


def test_hash_mismatch_deletes_the_part_and_says_so(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="deleted it") as err:
        fetch_weights("tiny", tmp_path, wf=_wf(server, digest="0" * 64))
    assert "\n" not in str(err.value)
    assert not (tmp_path / "w.h5.part").exists() and not (tmp_path / "w.h5").exists()


def test_url_override_and_http_error_is_one_line(server: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_weights("tiny", tmp_path, url=server.replace("w.h5", "nope"), wf=_wf(server))
    path = fetch_weights("tiny", tmp_path, url=server, wf=_wf("http://127.0.0.1:9/unreachable"))
    assert file_digest(path, "sha256") == hashlib.sha256(PAYLOAD).hexdigest()


def test_verify_names_both_digests(tmp_path: Path) -> None:
    f = tmp_path / "w.h5"
    f.write_bytes(b"not the weights")
    with pytest.raises(WeightsError, match="expected 0+; delete it and run `tocompress fetch tiny`"):
        verify(f, WeightsFile("tiny", "w.h5", "", "0" * 32, "md5"))


def test_cli_fetch_unknown_model_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli.main import main

    assert main(["fetch", "nosuchnet"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_fetch_registry_model_from_a_mirror(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`tocompress fetch mobilenet --url ... --dir ...`: Keras publishes no digest for MobileNet, so none is checked."""
    from tui.cli.main import main

    mirror = server  # serves PAYLOAD whatever the file is called
    assert main(["fetch", "MobileNet", "--url", mirror, "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "mobilenet_1_0_224_tf.h5").read_bytes() == PAYLOAD
    assert capsys.readouterr().out.strip() == f"mobilenet: {tmp_path / 'mobilenet_1_0_224_tf.h5'}"


def test_cli_fetch_bad_digest_is_one_line(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli.main import main

    assert main(["fetch", "vgg16", "--url", server, "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "its md5 is" in err and "deleted it" in err
    assert list(tmp_path.iterdir()) == []
