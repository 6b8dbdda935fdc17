"""The compression-setting language: canonical forms, order, and one clear error per bad setting."""

import pytest

from core.spec import CompressionSpec, RunOptions, RunSpec, SpecError


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
    ],
)
def test_parse_canonical(text, canonical, bits, fraction):
    spec = CompressionSpec.parse(text)
    assert str(spec) == canonical
    assert spec.quant_bits == bits
    assert spec.prune_fraction == fraction
    assert CompressionSpec.parse(str(spec)) == spec  # round trip through the canonical form


def test_order_is_kept():
    assert [s.kind for s in CompressionSpec.parse("q8+p0.25").steps] == ["q", "p"]
    assert [s.kind for s in CompressionSpec.parse("p0.25+q8").steps] == ["p", "q"]
    assert CompressionSpec.parse("q8+p0.25") != CompressionSpec.parse("p0.25+q8")


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
    ],
)
def test_bad_settings_give_one_clear_line(text, fragment):
    with pytest.raises(SpecError) as info:
        CompressionSpec.parse(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert "q8+p0.25" in message or "e.g." in message  # says what to write instead


def test_run_spec_json_round_trip():
    spec = RunSpec("digits-cnn", CompressionSpec.parse("p0.25+q8"), RunOptions(min_iters=5, max_iters=9))
    again = RunSpec.from_json(spec.to_json())
    assert again.compression == spec.compression
    assert again.options.max_iters == 9


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


def test_unknown_option_in_json_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown option"):
        RunSpec.from_json({"model": "digits-cnn", "compression": "q8", "options": {"bogus": 1}})
