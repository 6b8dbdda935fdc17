"""core/ is a headless library: no module of it imports textual or rich, and the dashboard side stays TF-free."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = {"textual", "rich"}
# Modules that run only in the worker; Keras itself imports rich, which is its business, not ours.
TF_ONLY = {
    "core.compress.writer",
    "core.compress.finetune",
    "core.compress.freeze",
    "core.measure.profile",
    "core.models.arch.inception_v1",
    "core.models.arch.inception_v2",
    "core.models.arch.inception_v4",
    "core.models.arch.layers",
    "core.models.builders",
    "core.models.nmt",
    "core.worker.main",
    "core.worker.__main__",
}


def _core_modules():
    for path in sorted((ROOT / "core").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        yield name, path


def test_no_core_source_imports_textual_or_rich():
    offenders = []
    for name, path in _core_modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            offenders += [f"{name}:{node.lineno} imports {r}" for r in roots if r in UI_PACKAGES]
    assert offenders == []


def test_importing_core_loads_neither_ui_nor_tensorflow():
    """Everything the dashboard imports from core, imported for real in a clean interpreter."""
    names = [n for n, _ in _core_modules() if n not in TF_ONLY]
    assert len(names) > 20
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'tensorflow', 'keras'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()[:300]}"
