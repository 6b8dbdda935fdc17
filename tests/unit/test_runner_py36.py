"""The run stage's modules work on the TX2's Python 3.6: vermin (target 3.6) finds nothing newer in them.

The module set is the run stage's entry points plus every `core` module they import, at any depth and inside
functions too, except the modules only the compress stage reaches (listed below with why). A new import therefore
joins the check by itself; a compress-only module must be named here on purpose.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"

# Where the run stage starts: the worker (not its client, which is the dashboard's) and the measurements.
ENTRY_GLOBS = ("worker/*.py", "measure/*.py", "artifact/*.py", "samples/*.py")
DASHBOARD_SIDE = {"core.run.worker_client"}
# Reached only from the compress stage, which runs on the dashboard's modern Python with Keras 3.
COMPRESS_ONLY = {
    "core.worker.compress_stage",  # the compress stage
    "core.worker.user_compress",  # the compress stage of a model the user brings: RunSpec (core.runspec), the pipeline, the artifact writer
    "core.models.builders",  # Keras models
    "core.compress.pipeline",  # applies the steps with Keras
    "core.compress.prune",
    "core.compress.structured",
    "core.compress.finetune",
    "core.compress.tflite",  # the TFLite converter
    "core.worker.tflite_runner",  # ai-edge-litert has no Python 3.6 wheels: TFLite forms run on 3.9+ only
    "core.data.digits",  # scikit-learn's digits; the run stage gets its samples from the compress stage
}
# vermin's flags: annotations ARE evaluated at definition time on 3.6 (no `from __future__ import annotations`
# there), `X | Y` is detected, and `# type:` comments (never evaluated) are free to use modern syntax for mypy.
VERMIN_ARGS = ["-t=3.6-", "--no-tips", "--eval-annotations", "--feature", "union-types", "--violations"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_path(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _core_imports(path: Path) -> set[str]:
    """Every `core...` module `path` imports, anywhere in the file; `from core.x import y` may name module y."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("core"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if _module_path(name) is not None}


def runner_modules() -> dict[str, Path]:
    """The run stage's modules (with the packages they sit in, whose __init__ runs first) by name."""
    todo = [_module_name(p) for pattern in ENTRY_GLOBS for p in sorted(CORE.glob(pattern))]
    todo = [name for name in todo if name not in DASHBOARD_SIDE | COMPRESS_ONLY]
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        path = _module_path(name)
        if name in seen or path is None:
            continue
        seen[name] = path
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        todo.extend(parents)
        todo.extend(sorted(_core_imports(path) - DASHBOARD_SIDE - COMPRESS_ONLY))
    return dict(sorted(seen.items()))


def test_the_module_set_covers_the_runner_and_leaves_the_dashboard_out():
    modules = runner_modules()
    for name in ("core", "core.worker", "core.worker.main", "core.worker.protocol", "core.measure.opclasses"):
        assert name in modules
    assert not DASHBOARD_SIDE & set(modules)
    assert not any(name.startswith(("core.telemetry", "tui")) for name in modules)


def _vermin(files: list[str]) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("vermin")
    return subprocess.run(
        [sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())", *VERMIN_ARGS, *files],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "line",
    [
        "from __future__ import annotations",
        "from dataclasses import dataclass",
        "pairs = list(zip([1], [2], strict=True))",
        "def f(x: int | None) -> None: ...",
        "def f(x: list[int]) -> None: ...",
        "print(f'{1 + 1 = }')",
        "if (n := 3): pass",
    ],
)
def test_vermin_with_these_flags_catches_what_python_36_cannot_run(tmp_path, line):
    module = tmp_path / "newer.py"
    module.write_text(line + "\n")
    assert _vermin([str(module)]).returncode != 0


def test_vermin_says_the_runner_needs_no_more_than_python_36():
    proc = _vermin([str(p) for p in runner_modules().values()])
    assert proc.returncode == 0, (
        "vermin (target 3.6) over the run stage's modules:\n" + proc.stdout + proc.stderr
    )
    assert "Minimum required versions: 3." in proc.stdout
