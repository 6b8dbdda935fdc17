"""The pre-flight memory check: the estimate against MemAvailable (a meminfo file under a temp dir), refused in one
line that names both figures and what would fit, unless --force."""

from __future__ import annotations

import pytest

from core.run.memory_estimate import estimate, estimate_registry_model, mem_available_bytes
from core.spec import CompressionSpec
from tui.cli.preflight import UsageError, check_memory

VGG_Q8 = CompressionSpec.parse("q8")


def meminfo(tmp_path, available_kib: int) -> str:
    path = tmp_path / "meminfo"
    path.write_text(
        f"MemTotal:       8000000 kB\nMemFree:         100000 kB\nMemAvailable:   {available_kib} kB\n"
    )
    return str(path)


def test_mem_available_is_read_in_bytes_and_none_without_the_file(tmp_path):
    assert mem_available_bytes(meminfo(tmp_path, 2_000_000)) == 2_048_000_000
    assert mem_available_bytes(tmp_path / "missing") is None


def test_run_time_dequantization_holds_codes_and_one_layer_of_floats():
    params = 138_357_544
    base = estimate(params, CompressionSpec(), largest_layer_params=25088 * 4096)
    q8 = estimate(params, VGG_Q8, largest_layer_params=25088 * 4096)
    q16 = estimate(params, CompressionSpec.parse("q16"), largest_layer_params=25088 * 4096)
    assert q8.weights_bytes == params and q16.weights_bytes == 2 * params
    assert q8.transient_bytes == 4 * 25088 * 4096
    assert base.weights_bytes >= 4 * params > q8.weights_bytes + q8.transient_bytes
    assert (
        base.compress_peak_bytes == q8.compress_peak_bytes
    )  # the compress stage holds the float model either way


def test_a_model_that_fits_passes_and_returns_the_estimate(tmp_path):
    guess = check_memory("digits-cnn", VGG_Q8, meminfo=meminfo(tmp_path, 16_000_000))
    assert guess is not None and guess.run_peak_bytes < 16_000_000 * 1024


def test_too_big_is_one_line_with_both_figures_and_what_fits(tmp_path):
    # resnet50 q8 with its 32 random samples does not fit, with --eval-limit 4 it does.
    small = estimate_registry_model("resnet50", VGG_Q8, 4).peak_bytes
    big = estimate_registry_model("resnet50", VGG_Q8).peak_bytes
    available_kib = (small + big) // 2 // 1024
    with pytest.raises(UsageError) as caught:
        check_memory("resnet50", VGG_Q8, weights="random", meminfo=meminfo(tmp_path, available_kib))
    message = str(caught.value)
    assert "\n" not in message and "MemAvailable" in message and "--force" in message
    assert f"{big / 1e9:.1f} GB" in message and f"{available_kib * 1024 / 1e9:.1f} GB" in message
    assert "--eval-limit" in message
    assert check_memory("resnet50", VGG_Q8, weights="random", force=True, meminfo=meminfo(tmp_path, 1000))


def test_a_compress_stage_too_big_names_a_smaller_model(tmp_path):
    """VGG16's compress stage (float Keras model) is its peak: no --eval-limit or qN helps it."""
    with pytest.raises(UsageError, match="smaller model"):
        check_memory("vgg16", VGG_Q8, weights="random", meminfo=meminfo(tmp_path, 100_000))
