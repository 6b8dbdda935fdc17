"""core/ is a headless library: importing every module of it must not pull in textual or rich."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parents[2]


def test_core_never_imports_textual_or_rich():
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
    # TensorFlow-only modules are imported too: they must not drag the UI in either.
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    if name == 'core.worker.__main__':\n"
        "        continue\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", f"core imported: {out.stdout.strip()}"
    assert len(names) > 10


def test_dashboard_side_core_modules_do_not_import_tensorflow():
    code = (
        "import sys\n"
        "import core.session, core.results, core.models.registry, core.telemetry.detect, core.spec\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
