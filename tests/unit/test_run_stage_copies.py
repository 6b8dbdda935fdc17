"""Copies the Python 3.6 run stage must keep (it cannot import core.runspec or core.spec, which use dataclasses
and modern syntax) still agree with their originals, so a changed default or a new stage cannot drift apart."""

from __future__ import annotations

import dataclasses

from core.runspec import RunOptions
from core.spec import STAGES
from core.worker import main as worker_main
from core.worker import runner


def test_runner_option_defaults_are_run_options_defaults():
    defaults = RunOptions()
    names = {f.name for f in dataclasses.fields(RunOptions)}
    assert set(runner._OPTION_DEFAULTS) <= names, set(runner._OPTION_DEFAULTS) - names
    for name, value in runner._OPTION_DEFAULTS.items():
        assert getattr(defaults, name) == value, name


def test_runner_options_read_every_default_it_keeps():
    """Options() from an empty spec takes each value from the copy, so the copy is what a short spec gets."""
    options = runner.Options({})
    for name, value in runner._OPTION_DEFAULTS.items():
        assert getattr(options, name) == value, name


def test_weights_forms_are_the_board_sides():
    from core.artifact import weightsform
    from core.runspec import WEIGHTS_FORMS

    assert WEIGHTS_FORMS == weightsform.WEIGHTS_FORMS
    assert RunOptions().weights_form == weightsform.AUTO


def test_worker_stage_names_are_the_spec_stage_names():
    """The user-facing stages, plus the paired stage that only the session asks for (core.run.session)."""
    assert worker_main.STAGES == (*STAGES, "paired")


def test_a_run_stage_process_keeps_keras_out():
    """The run stage marks Keras absent before TensorFlow loads (TensorFlow 2.16+ would import it, ~1 s a start)."""
    import subprocess
    import sys

    code = (
        "import sys; from core.worker.main import keep_keras_out; keep_keras_out()\n"
        "try:\n    import keras\nexcept ImportError:\n    print('absent')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "absent", proc.stderr[-2000:]
