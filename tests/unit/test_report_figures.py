"""`tocompress report`: figures from a constructed sweep file, read back from the matplotlib objects."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from core.figures.build import draw_all, write_report
from core.figures.inputs import load_input
from core.paths import asset
from tui.cli.main import main

NO_SENSOR = "no power sensor on this machine (no INA3221, RAPL or NVML)"


def run_block(variant: str, size: float, latency_s: float, ci_pct: float, top1: float | None = None,
              energy: float | None = None, fidelity: float | None = None, ops: dict | None = None) -> dict:  # fmt: skip
    accuracy: dict = {"top1": top1, "n_samples": 100}
    if fidelity is not None:
        accuracy = {"top1": None, "fidelity": {"agreement": fidelity}, "reason": "no labels"}
    return {
        "variant": variant,
        "status": "complete",
        "model": {"size_bytes": size, "params": 1000},
        "latency": {"mean_s": latency_s, "ci95_halfwidth_pct": ci_pct, "n": 100},
        "energy": {"j_per_inference": energy, "reason": None if energy is not None else NO_SENSOR},
        "accuracy": accuracy,
        "ops": {"by_class": ops} if ops else {},
    }


OPS_BASE = {"A": 6.0, "B": 2.0, "C": 1.0, "D": 0.0, "E": 1.0, "F": 0.0, "G": 0.0}
OPS_Q8 = {"A": 6.0, "B": 2.0, "C": 1.0, "D": 0.0, "E": 1.0, "F": 2.0, "G": 0.0}


def line(model: str, setting: str, base: dict, run: dict) -> dict:
    runs = [base] if setting == "baseline" else [base, run]
    return {"sweep": {"key": f"{model}|{setting}", "model": model, "setting": setting}, "model": model,
            "status": "complete", "runs": runs}  # fmt: skip


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    base = run_block("baseline", 4e6, 0.010, 2.0, top1=0.90, energy=0.5, ops=OPS_BASE)
    q8 = run_block("q8", 1e6, 0.014, 3.0, top1=0.88, energy=None, ops=OPS_Q8)
    q8["paired"] = {"latency": {"ratio": 1.42, "ratio_ci95": [1.35, 1.51], "n_pairs": 8}}
    p25 = run_block("p0.25", 3e6, 0.008, 4.0, top1=0.89, energy=None)
    nb = run_block("baseline", 2e6, 0.020, 1.0, fidelity=None)
    nb["accuracy"] = {"top1": None, "reason": "no labels"}
    nq = run_block("q6", 0.5e6, 0.030, 1.0, fidelity=0.95)
    lines = [line("m1", "baseline", base, base), line("m1", "q8", base, q8), line("m1", "p0.25", base, p25),
             line("nolabels", "baseline", nb, nb), line("nolabels", "q6", nb, nq)]  # fmt: skip
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def bars_of(figure) -> dict[str, float]:  # type: ignore[no-untyped-def]
    ax = figure.axes[0]
    return {p.get_gid(): p.get_height() for c in ax.containers if isinstance(c, BarContainer) for p in c}


def error_of(figure, label: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    container = next(
        c for c in figure.axes[0].containers if isinstance(c, ErrorbarContainer) and c.get_label() == label
    )
    (lo, hi) = container.lines[2][0].get_segments()[0][:, 1]
    return float(lo), float(hi)


def test_each_figure_is_written_in_both_formats_with_an_offline_index(
    sweep_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "fig"
    written, skipped, index = write_report(sweep_file, out)
    names = {w.name for w in written}
    assert names == {"bars-m1", "opclasses-m1", "bars-nolabels", "bubble", "pareto"}
    for name in names:
        for ext in ("png", "svg"):
            assert (out / f"{name}.{ext}").stat().st_size > 1000
    assert any("nolabels: no op-class breakdown" in s for s in skipped)
    page = index.read_text()
    assert page.count("<img src=") == len(names)
    assert "http://" not in page and "https://" not in page  # readable offline
    assert "1.420" in page and "1.350 – 1.510" in page  # the numbers beside the figure


def test_bar_heights_and_error_bars_are_the_files_figures(sweep_file: Path) -> None:
    drawn = {d.name: d for d in draw_all(load_input(sweep_file))[0]}
    fig = drawn["bars-m1"].figure
    heights = bars_of(fig)
    assert heights["size|q8"] == pytest.approx(1e6 / 4e6)
    assert heights["size|p0.25"] == pytest.approx(3e6 / 4e6)
    assert heights["latency|q8"] == pytest.approx(1.42)  # the paired ratio wins over the ratio of means
    assert error_of(fig, "_ci|latency|q8") == pytest.approx((1.35, 1.51))
    ratio = 0.008 / 0.010  # no paired block: ratio of means, per-run half-widths in quadrature
    half = math.hypot(2.0, 4.0) / 100
    assert heights["latency|p0.25"] == pytest.approx(ratio)
    assert error_of(fig, "_ci|latency|p0.25") == pytest.approx((ratio * (1 - half), ratio * (1 + half)))
    assert heights["top1|q8"] == pytest.approx(0.88 / 0.90)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["size", "latency", "energy / inference", "top-1 accuracy"]


def test_a_null_metric_draws_no_bar_and_the_caption_says_why(sweep_file: Path) -> None:
    drawn = {d.name: d for d in draw_all(load_input(sweep_file))[0]}
    heights = bars_of(drawn["bars-m1"].figure)
    assert not any(gid.startswith("energy|") for gid in heights)  # energy null on q8 and p0.25: no zero bars
    assert f"energy not drawn for q8, p0.25: {NO_SENSOR}." in drawn["bars-m1"].caption
    fidelity = bars_of(drawn["bars-nolabels"].figure)
    assert fidelity["fidelity|q6"] == pytest.approx(0.95)  # no labels: fidelity against the baseline's 1


def test_op_class_stack_heights_are_the_shares(sweep_file: Path) -> None:
    drawn = {d.name: d for d in draw_all(load_input(sweep_file))[0]}
    d = drawn["opclasses-m1"]
    bars = [c for c in d.figure.axes[0].containers if isinstance(c, BarContainer)]
    by_class = {c.patches[0].get_gid(): [p.get_height() for p in c] for c in bars}
    assert by_class["class|F"] == pytest.approx([0.0, 100 * 2 / 12])  # baseline, q8 (p0.25 has no trace)
    assert by_class["class|A"] == pytest.approx([60.0, 50.0])
    assert "No op trace for p0.25" in d.caption


def test_recording_gives_the_telemetry_figure_from_its_readings(tmp_path: Path) -> None:
    trace = asset("traces", "tx2-digits-cnn-q8.jsonl.gz")
    report = load_input(trace)
    drawn = {d.name: d for d in draw_all(report)[0]}
    fig = drawn["telemetry"].figure
    power = next(line for line in fig.axes[0].lines if line.get_gid() == "series|power_mw")
    recorded = [r["power_mw"] for r in report.trace.readings["tegra-power"] if r.get("power_mw") is not None]  # type: ignore[union-attr]
    assert max(power.get_ydata()) == pytest.approx(max(recorded) / 1000)
    assert {"bars-digits-cnn", "opclasses-digits-cnn", "bubble", "pareto"} <= set(drawn)


def test_cli_report_and_a_missing_file(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(sweep_file), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "index.html").exists()
    assert "bars-m1" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tocompress: error: no file at")
