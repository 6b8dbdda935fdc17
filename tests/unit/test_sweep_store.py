"""The sweep file: torn last lines, point keys, the lock, and the runner's resume (with fake sessions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.runspec import RunOptions
from core.spec import CompressionSpec
from core.sweep.runner import SweepPlan, SweepRunner
from core.sweep.store import SweepFileError, SweepStore, parse_lines, point_key, read_sweep


def test_parse_lines_drops_torn_tail_and_skips_bad_line():
    data = b'{"a":1}\nnot json\n{"b":2}\n{"c":'
    records, end, note = parse_lines(data)
    assert records == [{"a": 1}, {"b": 2}]
    assert end == len(b'{"a":1}\nnot json\n{"b":2}\n')
    assert note is not None and "torn last line (5 bytes" in note and "line 2 is not a JSON object" in note


def test_parse_lines_clean_file_has_no_note():
    assert parse_lines(b'{"a":1}\n') == ([{"a": 1}], 8, None)
    assert parse_lines(b"") == ([], 0, None)


def test_point_key_depends_on_every_option_and_dataset():
    base = point_key("m", "q8", RunOptions(), None)
    assert base == point_key("m", "q8", RunOptions().__dict__, None)
    assert base != point_key("m", "q8", RunOptions(repeat=2), None)
    assert base != point_key("m", "q8", RunOptions(), "other-set")
    assert base != point_key("m", "q8:load", RunOptions(), None)


def test_open_truncates_torn_tail_and_appends_whole_lines(tmp_path: Path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"sweep":{"key":"k1"}}\n{"sweep":{"ke')
    with SweepStore(path) as store:
        assert store.note is not None and "torn last line" in store.note
        assert store.done_keys() == {"k1"}
        store.append({"sweep": {"key": "k2"}, "x": float("nan")})
    assert path.read_bytes() == b'{"sweep":{"key":"k1"}}\n{"sweep":{"key":"k2"},"x":null}\n'
    records, note = read_sweep(path)
    assert [r["sweep"]["key"] for r in records] == ["k1", "k2"] and note is None


def test_second_writer_is_refused_with_the_pid(tmp_path: Path):
    import os

    path = tmp_path / "s.jsonl"
    with SweepStore(path):
        with pytest.raises(SweepFileError, match=f"another sweep \\(pid {os.getpid()}\\)"):
            SweepStore(path).open()
    SweepStore(path).open().close()  # released on close


class FakeSession:
    """Stands for core.run.session.Session: a result with one run whose top-1 falls with fewer bits."""

    calls: list[str] = []
    cancel_after: int | None = None

    def __init__(self, config, on_event) -> None:
        self.config = config

    def run(self) -> dict:
        setting = str(self.config.compression)
        FakeSession.calls.append(setting)
        status = "complete"
        if FakeSession.cancel_after is not None and len(FakeSession.calls) > FakeSession.cancel_after:
            status = "cancelled"
        run = {"variant": setting, "status": status, "model": {"size_bytes": 100}, "accuracy": {"top1": 0.9}}
        return {"model": self.config.model, "status": status, "runs": [run], "errors": [], "environment": {}}

    def cancel(self) -> None:
        pass


def plan(settings: str = "q16,q8,q6") -> SweepPlan:
    specs = [CompressionSpec.parse(s) for s in settings.split(",")]
    return SweepPlan(["digits-cnn"], specs, RunOptions(), session={"workdir": Path("/tmp")})


def test_runner_resumes_and_point_lines_carry_the_baseline(tmp_path: Path):
    path = tmp_path / "s.jsonl"
    FakeSession.calls, FakeSession.cancel_after = [], 2  # baseline, q16 measured; q8 "cut"
    with SweepStore(path) as store:
        summary = SweepRunner(plan(), store, session_factory=FakeSession).run()
    assert summary.cancelled and summary.measured == 2
    FakeSession.calls, FakeSession.cancel_after = [], None
    with SweepStore(path) as store:
        summary = SweepRunner(plan(), store, session_factory=FakeSession).run()
    assert FakeSession.calls == ["q8", "q6"] and summary.skipped == 2
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [r["sweep"]["setting"] for r in lines] == ["baseline", "q16", "q8", "q6"]
    assert [r["variant"] for r in lines[2]["runs"]] == ["baseline", "q8"]
    assert lines[2]["comparison"]["compressed"] == "q8"
