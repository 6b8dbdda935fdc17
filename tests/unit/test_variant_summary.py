"""Each variant's compression details reach the reader: one "what was done" line per run from its recorded blocks,
the blocks survive merging repeated processes, and the per-op panel shows class F and the device summary."""

from __future__ import annotations

from core.report.variant_summary import what_was_done
from core.run.record import MODEL_BLOCKS, merge_runs
from tui.widgets.ops import OpsPanel, device_line, fmt_share

SESSION = {
    "graph_optimizer_opt_level": "L0",
    "grappler_constant_folding": "OFF",
    "intra_op_parallelism_threads": 0,
}


def _latency(**extra):
    return {"n": 40, "mean_s": 1e-3, "std_s": 1e-4, "ci95_halfwidth_pct": 2.0, "converged": True, **extra}


def test_a_quantized_graph_variant_says_bits_form_and_how_it_ran():
    run = {
        "variant": "q8",
        "model": {"quantization": {"bits": 8, "granularity": "per-tensor", "dequant": "runtime"}},
        "latency": _latency(runtime="tf-graph", session_options=SESSION, threads=None),
    }
    assert what_was_done(run) == (
        "q8: 8-bit per-tensor weights, de-quantized every inference; "
        "ran as a TF graph, L0, constant folding off, default threads"
    )
    run["model"]["quantization"]["dequant"] = "load"
    run["latency"]["threads"] = 2
    assert "de-quantized at load" in what_was_done(run) and "2 intra-op threads" in what_was_done(run)


def test_structured_pruning_fine_tuning_and_tflite_are_all_named():
    pruning = {
        "form": "structured",
        "fraction_requested": 0.5,
        "fraction_achieved": 0.4987,
        "layers_cut": [{"layer": "a"}, {"layer": "b"}, {"layer": "c"}],
        "layers_left": [{"layer": "out"}],
        "params_before": 151_306,
        "params_after": 75_850,
        "flops_before": 2_410_000,
        "flops_after": 1_200_000,
    }
    finetune = {"epochs": 3, "dataset": "digits-train", "samples": 1347}
    tflite = {"mode": "int8", "form": "full-integer int8 weights and activations"}
    run = {
        "variant": "p0.5:filters:ft3+tflite:int8",
        "model": {"pruning": pruning, "finetune": finetune, "tflite": tflite, "cached": True},
        "latency": _latency(runtime="tflite", interpreter="ai-edge-litert 1.2", num_threads=1, threads=None),
    }
    line = what_was_done(run)
    assert line.startswith("p0.5:filters:ft3+tflite:int8: structured pruning 50.0% asked, 49.9% removed")
    assert "3 layers cut, 1 left whole, params 151k→75.8k, FLOPs 2.41M→1.2M" in line
    assert "fine-tuned 3 epochs on digits-train (1347 samples)" in line
    assert "TFLite int8 (full-integer" in line and "ai-edge-litert 1.2, 1 thread (runtime default)" in line
    assert line.endswith("artifact reused")
    unstructured = dict(pruning, form="unstructured", flops_after=2_410_000)
    assert "FLOPs unchanged" in what_was_done({"variant": "p0.5", "model": {"pruning": unstructured}})


def test_old_files_without_blocks_still_get_a_line():
    assert what_was_done({"variant": "baseline", "model": {}, "latency": _latency()}) == (
        "baseline: float32 weights as trained"
    )
    assert what_was_done({"variant": "q8", "model": None}) == "q8: no details recorded"


def test_the_record_keeps_every_block_and_merging_keeps_how_it_ran():
    assert {"pruning", "finetune", "quantization", "tflite", "cached"} <= set(MODEL_BLOCKS)
    runs = [
        {"variant": "q8", "status": "complete", "latency": _latency(runtime="tf-graph", threads=2, mean_s=m)}
        for m in (1e-3, 1.2e-3)
    ]
    merged = merge_runs(runs)["latency"]
    assert merged["processes"] == 2 and merged["runtime"] == "tf-graph" and merged["threads"] == 2


def test_class_f_is_always_a_row_and_small_shares_do_not_round_to_zero():
    assert (fmt_share(0.0), fmt_share(0.004), fmt_share(0.083), fmt_share(0.42)) == (
        "0%",
        "0.4%",
        "8.3%",
        "42%",
    )
    panel = OpsPanel()
    baseline = {"passes": 3, "total_s": 4e-4, "by_type": {"Conv2D": 3e-4}, "by_class": {"A": 3e-4, "B": 1e-4}}
    q8 = {
        "passes": 3,
        "total_s": 5e-4,
        "by_type": {"Conv2D": 3e-4, "Dequantize": 4e-5},
        "by_class": {"A": 3.6e-4, "B": 1e-4, "F": 4e-5},
    }
    panel.show_ops({"baseline": baseline}, "baseline")
    assert "F quant/cast" in _rendered(panel)  # drawn at 0% too: "no de-quantization cost" is an answer
    panel.show_ops({"baseline": baseline, "q8": q8}, "q8")
    (f_row,) = [line.split() for line in _rendered(panel).splitlines() if line.startswith("F quant/cast")]
    assert f_row[-2:] == ["8.0%", "0%"]  # q8's share, then the baseline's


def _rendered(panel: OpsPanel) -> str:
    import io

    from rich.console import Console

    console = Console(width=60, file=io.StringIO(), color_system=None)
    console.print(panel.content)
    return console.file.getvalue()


def test_the_device_line_shows_gpu_time_and_copies_and_stays_quiet_on_one_cpu():
    assert device_line({"by_device_s": {"CPU:0": 4e-4}, "copies_s": {}}) is None
    assert device_line(None) is None
    line = device_line({"by_device_s": {"CPU:0": 1e-4, "GPU:0": 3e-4}, "copies_s": {"GPU:0 HtoD": 5e-5}})
    assert line is not None
    assert line.plain.startswith("devices: CPU:0 ") and "GPU:0 " in line.plain and "copies " in line.plain
    assert "GPU:0 HtoD" in line.plain
