"""The result file: its comparison block, atomic writes, clear errors, and old/new version handling."""

import json
import os

import pytest

from core.report.result_file import (
    ResultFileError,
    default_result_path,
    load_result,
    make_result_file,
    save_result,
)


def _run(variant, size, mean_s, top1, energy=None, ci=2.0):
    return {
        "variant": variant,
        "model": {"params": 100, "nonzero_params": 100, "size_bytes": size},
        "latency": {"mean_s": mean_s, "p99_s": mean_s * 2, "ci95_halfwidth_pct": ci},
        "energy": {
            "j_per_inference": energy,
            "reason": None if energy else "no power sensor on this machine",
        },
        "accuracy": {"top1": top1, "top5": 1.0},
    }


def test_file_compares_the_baseline_with_its_first_compressed_run():
    runs = [_run("baseline", 400, 0.01, 0.9), _run("q8", 100, 0.01, 0.9), _run("q6", 75, 0.01, 0.8)]
    data = make_result_file("m", {}, runs, "complete", [])
    assert (data["comparison"]["baseline"], data["comparison"]["compressed"]) == ("baseline", "q8")
    assert data["comparison"]["summary"].startswith("75% smaller, ")
    assert make_result_file("m", {}, runs[1:], "complete", [])["comparison"] is None  # no baseline


def test_save_is_atomic_and_cleans_nan(tmp_path):
    data = make_result_file("m", {"machine": "x"}, [_run("baseline", 4, float("nan"), 0.9)], "partial", [])
    path = save_result(tmp_path / "sub" / "r.json", data)
    assert json.loads(path.read_text())["runs"][0]["latency"]["mean_s"] is None
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]  # no temp file left behind


def test_save_to_unwritable_place_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ResultFileError) as info:
        save_result(blocker / "r.json", {"runs": []})
    assert "\n" not in str(info.value) and "cannot write" in str(info.value)


def test_save_keeps_old_file_when_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text('{"old": true}')

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(ResultFileError, match="No space left"):
        save_result(path, {"runs": []})
    assert json.loads(path.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"hello": 1}', "not a tocompress result"),
        ('{"schema_version": 99, "runs": []}', "newer than this tocompress reads"),
    ],
)
def test_load_errors_are_one_line(tmp_path, content, fragment):
    path = tmp_path / "r.json"
    path.write_text(content)
    with pytest.raises(ResultFileError) as info:
        load_result(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(ResultFileError, match="no result file"):
        load_result(tmp_path / "nope.json")


def test_default_path_is_shell_friendly():
    from datetime import datetime

    path = default_result_path("digits-cnn", "q8+p0.25", datetime(2026, 1, 2, 3, 4, 5))
    assert str(path) == "results/digits-cnn-q8_p0.25-20260102-030405.json"


def test_result_file_names_carry_no_colon():
    """`nmt-demo-p0.5:filters-...json` trips scp (host:path) and some file systems; the JSON keeps the setting."""
    from datetime import datetime

    when = datetime(2026, 1, 2, 3, 4, 5)
    path = default_result_path("nmt-demo", "p0.5:filters:ft2+q8:ch", when)
    assert str(path) == "results/nmt-demo-p0.5-filters-ft2_q8-ch-20260102-030405.json"
    assert ":" not in default_result_path("digits-cnn", "tflite:int8", when).name
