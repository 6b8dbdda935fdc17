"""The compression-setting language: canonical forms, order, file-name slugs, and one clear error per bad setting."""

import pytest

from core.runspec import RunOptions, RunSpec
from core.spec import PRESETS, CompressionSpec, SpecError, Step


@pytest.mark.parametrize(
    ("text", "canonical", "bits", "fraction"),
    [
        ("baseline", "baseline", None, None),
        ("q16", "q16", 16, None),
        ("q8", "q8", 8, None),
        ("Q6", "q6", 6, None),
        ("q2", "q2", 2, None),
        ("p0.05", "p0.05", None, 0.05),
        ("p0.75", "p0.75", None, 0.75),
        ("p25%", "p0.25", None, 0.25),
        ("q8+p0.25", "q8+p0.25", 8, 0.25),
        (" p0.25 + q8 ", "p0.25+q8", 8, 0.25),
        ("q8:load", "q8:load", 8, None),
        ("q8:ch:load", "q8:load:ch", 8, None),
        ("p50%:ft3:filters", "p0.5:filters:ft3", None, 0.5),
        ("p0.25:ft2", "p0.25:ft2", None, 0.25),
        ("tflite:int8", "tflite:int8", None, None),
        ("p0.5:filters+tflite:fp16", "p0.5:filters+tflite:fp16", None, 0.5),
        ("p0.5:filters:ft3+q8:ch", "p0.5:filters:ft3+q8:ch", 8, 0.5),
    ],
)
def test_parse_canonical(text, canonical, bits, fraction):
    spec = CompressionSpec.parse(text)
    assert str(spec) == canonical
    assert (spec.quant_step.bits if spec.quant_step else None) == bits
    assert (spec.prune_step.fraction if spec.prune_step else None) == fraction
    assert CompressionSpec.parse(str(spec)) == spec  # round trip through the canonical form


def test_step_fields():
    p, q = CompressionSpec.parse("p0.5:filters:ft3+q6:load:ch").steps
    assert (p.kind, p.fraction, p.structured, p.finetune_epochs) == ("p", 0.5, True, 3)
    assert (q.kind, q.bits, q.per_channel, q.dequant) == ("q", 6, True, "load")
    default = CompressionSpec.parse("q8").steps[0]
    assert (default.per_channel, default.dequant) == (False, "runtime")
    plain = CompressionSpec.parse("p0.05").steps[0]
    assert (plain.structured, plain.finetune_epochs) == (False, 0)
    tfl = CompressionSpec.parse("tflite:dyn8")
    assert tfl.tflite_step == Step("tflite", tflite_mode="dyn8")
    assert tfl.runtime == "tflite" and CompressionSpec.parse("q8").runtime == "tf-graph"
    spec = CompressionSpec.parse("q8+p0.05")
    assert spec.quant_step.bits == 8 and spec.prune_step.fraction == 0.05 and spec.tflite_step is None


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("baseline", "baseline"),
        ("q8", "q8"),
        ("q8:ch+p0.05", "q8-ch_p0.05"),
        ("p0.5:filters:ft3+tflite:int8", "p0.5-filters-ft3_tflite-int8"),
    ],
)
def test_slug_is_file_name_safe(text, slug):
    assert CompressionSpec.parse(text).slug == slug


def test_order_is_kept():
    assert [s.kind for s in CompressionSpec.parse("q8+p0.25").steps] == ["q", "p"]
    assert [s.kind for s in CompressionSpec.parse("p0.25+q8").steps] == ["p", "q"]
    assert CompressionSpec.parse("q8+p0.25") != CompressionSpec.parse("p0.25+q8")


def test_presets_parse_and_are_canonical():
    assert PRESETS[:6] == ("baseline", "q16", "q8", "q6", "p0.05", "q8+p0.05")  # the paper's set first
    assert len(PRESETS) <= 10  # dashboard keys 0-9
    assert [str(CompressionSpec.parse(p)) for p in PRESETS] == list(PRESETS)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("q0", "0 bits is out of range"),
        ("q1", "1 bits is out of range"),
        ("q17", "17 bits is out of range"),
        ("p1", "out of range"),
        ("p0", "out of range"),
        ("p-0.1", "out of range"),
        ("x8", "cannot read 'x8'"),
        ("q8+q6", "repeats a step"),
        ("q8+", "cannot read ''"),
        ("q8.5", "cannot read"),
        ("q8:fast", "unknown option 'fast' of q8"),
        ("q8:ch:ch", "q8 repeats :ch"),
        ("p0.5:rows", "unknown option 'rows' of p0.5"),
        ("p0.5:filters:filters", "p0.5 repeats :filters"),
        ("p0.5:ft2:ft3", "p0.5 repeats :ft3"),
        ("p0.5:ft0", "0 fine-tuning epochs is out of range"),
        ("tflite", "needs one mode"),
        ("tflite:int4", "needs one mode"),
        (
            "tflite:int8+p0.5:filters",
            "structured pruning after a TFLite conversion is impossible; put pF before",
        ),
        ("tflite:int8+p0.5", "pruning after a TFLite conversion is impossible"),
        ("tflite:int8+tflite:fp16", "repeats a step"),
        ("q8+tflite:int8", "qN and tflite:* cannot be combined"),
        ("q8+p0.5:filters", "structured pruning after quantization is not supported"),
        ("q8+p0.25:ft3", "fine-tuning after quantization would undo it"),
    ],
)
def test_bad_settings_give_one_clear_line(text, fragment):
    with pytest.raises(SpecError) as info:
        CompressionSpec.parse(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert "e.g." in message or "use " in message  # says what to write instead


def test_run_spec_json_round_trip():
    spec = RunSpec("digits-cnn", CompressionSpec.parse("p0.25+q8:ch"), RunOptions(min_iters=5, max_iters=9))
    data = spec.to_json()
    assert "stage" not in data and "artifact" not in data  # old readers see the old shape
    again = RunSpec.from_json(data)
    assert again.compression == spec.compression
    assert again.options.max_iters == 9
    assert again.stage is None


def test_run_spec_stages_round_trip():
    spec = RunSpec(
        "resnet50", CompressionSpec.parse("q8"), stage="run", artifact="/w/a.tcz", weights="random"
    )
    data = spec.to_json()
    assert (data["stage"], data["artifact"], data["weights"]) == ("run", "/w/a.tcz", "random")
    again = RunSpec.from_json(data)
    assert (again.stage, again.artifact, again.weights) == ("run", "/w/a.tcz", "random")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"stage": "both"}, "stage 'both' is unknown"),
        ({"stage": "run"}, 'needs an "artifact" path'),
        ({"weights": "imagenet"}, "weights 'imagenet' is unknown"),
        ({"options": {"bogus": 1}}, "unknown option"),
    ],
)
def test_bad_run_specs_give_one_clear_line(data, fragment):
    with pytest.raises(SpecError) as info:
        RunSpec.from_json({"model": "digits-cnn", "compression": "q8", **data})
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "options",
    [
        RunOptions(ci_target_pct=0),
        RunOptions(min_iters=1),
        RunOptions(min_iters=50, max_iters=10),
        RunOptions(max_seconds=0),
        RunOptions(idle_seconds=-1),
        RunOptions(batch_size=0),
    ],
)
def test_bad_options_are_rejected(options):
    with pytest.raises(SpecError):
        options.validate()


def test_step_describe_names_the_form():
    words = [s.describe() for s in CompressionSpec.parse("p0.5:filters:ft3+q8:ch").steps]
    assert words == [
        "prune 50% of parameters as whole filters/units (L1), then fine-tune 3 epochs",
        "quantize weights to 8 bits (per-channel scales, de-quantized at run time)",
    ]
