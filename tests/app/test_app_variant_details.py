"""A q8 run with run-time de-quantization, recorded here (fixtures/run_q8_runtime.jsonl and its result file,
`tocompress run --model digits-cnn --compress q8 --record ... --max-seconds 4 --min-seconds 1 --idle-seconds 1`):
class F has a non-zero share in the JSON and the per-op panel, and the results screen says what was done."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from core.report.result_file import load_result
from tui.widgets.ops import OpsPanel

FIXTURES = Path(__file__).parent / "fixtures"
RECORDING = FIXTURES / "run_q8_runtime.jsonl"
RESULT = FIXTURES / "result_q8_runtime.json"


def _last_ops(variant: str) -> dict:
    ops = [
        line["event"]
        for line in map(json.loads, RECORDING.read_text().splitlines())
        if line.get("event", {}).get("type") == "ops" and line["event"]["variant"] == variant
    ]
    return ops[-1]


def test_the_recording_traces_dequantize_as_class_f_for_q8_only():
    q8, baseline = _last_ops("q8"), _last_ops("baseline")
    assert q8["by_type"].get("Dequantize", 0) > 0 and q8["by_class"]["F"] > 0
    assert baseline["by_class"]["F"] == 0 and "Dequantize" not in baseline["by_type"]
    result = load_result(RESULT)
    assert [r["variant"] for r in result["runs"]] == ["baseline", "q8"]
    assert result["runs"][1]["ops"]["by_class"]["F"] > 0
    assert result["runs"][1]["model"]["quantization"]["dequant"] == "runtime"


def test_the_per_op_panel_shows_a_non_zero_f_share_beside_the_baselines_zero(text_of):
    panel = OpsPanel()
    q8, baseline = _last_ops("q8"), _last_ops("baseline")
    panel.show_ops({"baseline": baseline, "q8": q8}, "q8")
    (row,) = [line.split() for line in text_of(panel).splitlines() if line.startswith("F quant/cast")]
    share = 100 * q8["by_class"]["F"] / sum(q8["by_class"].values())
    assert row[-2] == (f"{share:.1f}%" if share < 10 else f"{share:.0f}%") and row[-2] != "0%"
    assert row[-1] == "0%"  # the baseline's share


async def test_the_results_screen_says_what_was_done_to_each_variant(build_app, text_of):
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_result(load_result(RESULT))
        await pilot.pause()
        done = " ".join(text_of(app.screen.query_one("#what-done", Static)).split())
    assert done.startswith("What was done baseline: float32 weights as trained; ran as a TF graph, L0,")
    assert "q8: 8-bit per-tensor weights, de-quantized every inference; ran as a TF graph" in done
    assert "constant folding off, default threads" in done


async def test_the_live_ops_panel_shows_class_f_while_the_recording_replays(build_app, text_of, monkeypatch):
    import time

    from tui.screens.results import ResultsScreen

    shown: list[str] = []
    real_show = OpsPanel.show_ops

    def show_ops(self, ops_by_variant, current):
        real_show(self, ops_by_variant, current)
        if current == "q8" and (ops_by_variant.get("q8") or {}).get("final"):
            shown.append(text_of(self))  # what the live panel drew for q8's final trace

    monkeypatch.setattr(OpsPanel, "show_ops", show_ops)
    app = build_app(replay=RECORDING, replay_speed=40.0)
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 30
        while not isinstance(app.screen, ResultsScreen):
            assert time.monotonic() < deadline, "the replay did not reach its results"
            await pilot.pause(0.1)
        await pilot.pause(0.3)  # let the new screen settle before the test tears the app down
    assert shown, "the live panel never drew q8's final per-op trace"
    (row,) = [line.split() for line in shown[-1].splitlines() if line.startswith("F quant/cast")]
    assert row[-2] != "0%" and row[-2].endswith("%") and row[-1] == "0%"  # q8's share, the baseline's
