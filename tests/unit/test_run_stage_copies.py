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


def test_worker_stage_names_are_the_spec_stage_names():
    assert worker_main.STAGES == STAGES
