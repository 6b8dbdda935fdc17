"""Builders for app tests: the real model registry with fixed availability lines and a fixed sensor probe.

Availability reasons carry absolute paths and the probe depends on the machine, so snapshot tests pin both to
what this (GPU-less, non-Jetson) machine reports, with the paths shortened; everything else is the real code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.report.result_file import load_result
from core.runspec import RunOptions
from core.telemetry.detect import SourceStatus
from tui.app import TocompressApp, make_app
from tui.view.setupform import ModelRow

FIXTURES = Path(__file__).parent / "fixtures"
RESULT_Q8 = FIXTURES / "result_q8.json"

# What `probe_all()` says on a laptop or CI runner without a Jetson, GPU or RAPL (reasons as the sources word them).
SENSORS_HERE = [
    SourceStatus("jtop", False, "jtop.service is not active (no /run/jtop.sock)"),
    SourceStatus("tegra-power", False, "no ina3221 under /sys/bus/i2c/drivers"),
    SourceStatus("tegra-gpu", False, "no Tegra GPU load file under /sys/devices"),
    SourceStatus("tegrastats", False, "tegrastats is not on PATH"),
    SourceStatus("nvml", False, "NVML library not found (no NVIDIA driver)"),
    SourceStatus("rapl", False, "no /sys/class/powercap/intel-rapl*"),
    SourceStatus("host", True, "psutil reads /proc (CPU load, RAM, worker RSS)"),
]

# Small enough that one real run of digits-cnn baseline vs q8 takes seconds, not minutes.
FAST_OPTIONS = RunOptions(
    min_iters=10,
    max_iters=200,
    max_seconds=3,
    min_seconds=0.3,
    trace_passes=1,
    idle_seconds=0.2,
    paired_max_seconds=1.5,
    paired_processes=1,  # one paired process: three run in tests/integration/test_paired_run.py
)


def fixed_rows() -> list[ModelRow]:
    """The real registry as on a machine holding only the shipped weights: no pretrained file anywhere, so every
    buildable model runs with seeded random weights and names the file `tocompress fetch` would get."""
    import os
    from unittest import mock

    from tui.view.setupform import catalog_rows

    empty = "/nonexistent/tocompress-weights"
    with mock.patch.dict(os.environ, {"TOCOMPRESS_WEIGHTS_DIR": empty, "KERAS_HOME": empty}):
        rows = catalog_rows()
    checkout = str(Path(__file__).resolve().parents[2]) + "/"  # snapshots must not hold this machine's paths
    return [row._replace(reason=row.reason.replace(checkout, "")) for row in rows]


@pytest.fixture
def build_app(tmp_path: Path) -> Callable[..., TocompressApp]:
    """make_app as the CLI calls it, with runs and results kept under tmp_path and the fixed probe."""

    def build(**kwargs: Any) -> TocompressApp:
        kwargs.setdefault("rows", fixed_rows())
        kwargs.setdefault("probe", lambda sysfs_root: list(SENSORS_HERE))
        kwargs.setdefault("workdir", tmp_path / "runs")
        kwargs.setdefault("results_dir", tmp_path / "results")
        return make_app(**kwargs)

    return build


@pytest.fixture
def fast_options() -> RunOptions:
    return RunOptions(**vars(FAST_OPTIONS))


@pytest.fixture
def result_q8() -> dict[str, Any]:
    return load_result(RESULT_Q8)


def plain(widget: Any, width: int = 200) -> str:
    """What a Static shows, as plain text (works for Text, Table and Group content)."""
    import io

    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


@pytest.fixture
def text_of() -> Callable[..., str]:
    return plain
