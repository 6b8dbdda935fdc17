"""The result file: deltas and verdicts, atomic writes, clear errors, and old/new version handling."""

import json
import os

import pytest

from core.results import (
    ResultFileError,
    compare_files,
    compare_runs,
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


def _metric(comparison, key):
    return next(m for m in comparison["metrics"] if m["key"] == key)


def test_deltas_and_directions():
    c = compare_runs(_run("baseline", 400_000, 0.010, 0.98), _run("q8", 100_000, 0.012, 0.97))
    size = _metric(c, "size_bytes")
    assert size["delta_pct"] == pytest.approx(-75.0)
    assert size["better"] is True
    lat = _metric(c, "latency_mean_s")
    assert lat["delta_pct"] == pytest.approx(20.0)
    assert lat["better"] is False
    top1 = _metric(c, "top1")
    assert top1["better"] is False
    assert _metric(c, "top5")["better"] is None  # unchanged: neither better nor worse


def test_verdicts_say_why_energy_is_missing():
    c = compare_runs(_run("baseline", 400, 0.010, 0.98), _run("q8", 100, 0.012, 0.97))
    verdicts = {v["goal"]: v for v in c["verdicts"]}
    assert verdicts["size"]["text"] == "model size 75.0% smaller"
    assert verdicts["energy"]["better"] is None
    assert "no power sensor" in verdicts["energy"]["text"]
    assert "-1.0 points" in verdicts["accuracy"]["text"]


def test_latency_change_inside_confidence_bounds_is_flagged():
    c = compare_runs(_run("baseline", 4, 0.0100, 0.9, ci=3.0), _run("q8", 1, 0.0102, 0.9, ci=3.0))
    time_verdict = next(v for v in c["verdicts"] if v["goal"] == "time")
    assert "no real change" in time_verdict["text"]
    assert time_verdict["better"] is None  # not a finding, so neither green nor red


def test_missing_metric_says_which_run_lacks_it():
    comp = _run("q8", 100, 0.01, 0.9)
    comp["latency"] = None
    c = compare_runs(_run("baseline", 400, 0.01, 0.9), comp)
    time_verdict = next(v for v in c["verdicts"] if v["goal"] == "time")
    assert time_verdict["text"] == "inference time: not measured (q8 did not get that far)"


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


def test_compare_files_uses_the_compressed_runs():
    a = make_result_file(
        "m", {}, [_run("baseline", 400, 0.01, 0.9), _run("q8", 100, 0.01, 0.9)], "complete", []
    )
    b = make_result_file(
        "m", {}, [_run("baseline", 400, 0.01, 0.9), _run("q6", 75, 0.01, 0.8)], "complete", []
    )
    c = compare_files(a, b)
    assert (c["baseline"], c["compressed"]) == ("m:q8", "m:q6")
    assert _metric(c, "size_bytes")["delta_pct"] == pytest.approx(-25.0)


def test_default_path_is_shell_friendly():
    from datetime import datetime

    path = default_result_path("digits-cnn", "q8+p0.25", datetime(2026, 1, 2, 3, 4, 5))
    assert str(path) == "results/digits-cnn-q8_p0.25-20260102-030405.json"


def test_zero_energy_is_a_measured_zero_not_missing():
    c = compare_runs(_run("baseline", 4, 0.01, 0.9, energy=0.0), _run("q8", 1, 0.01, 0.9, energy=0.0))
    assert _metric(c, "energy_j")["delta_pct"] == 0.0
    c = compare_runs(_run("baseline", 4, 0.01, 0.9, energy=0.0), _run("q8", 1, 0.01, 0.9, energy=0.002))
    energy = next(v for v in c["verdicts"] if v["goal"] == "energy")
    assert energy["text"] == "energy per inference: 0 -> 0.002 (no percentage change from zero)"
