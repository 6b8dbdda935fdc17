"""Errors a user can cause share one base class (core.errors.UserError), which the CLI and the worker catch by class."""

from __future__ import annotations

import pytest

from core.artifact.container import ArtifactError
from core.data import DatasetError
from core.errors import UserError
from core.models.registry import ModelUnavailableError, UnknownModelError
from core.report.comparison import NothingToCompareError
from core.report.result_file import ResultFileError
from core.spec import SpecError
from core.telemetry.detect import SensorSelectionError

USER_ERRORS = (
    (SpecError, ValueError),
    (UnknownModelError, KeyError),
    (ModelUnavailableError, RuntimeError),
    (DatasetError, ValueError),
    (ArtifactError, ValueError),
    (ResultFileError, ValueError),
    (SensorSelectionError, ValueError),
    (NothingToCompareError, ValueError),
)


@pytest.mark.parametrize(("error", "builtin"), USER_ERRORS)
def test_each_user_error_is_a_user_error_and_keeps_its_builtin_base(error, builtin):
    exc = error("what happened; what to do")
    assert isinstance(exc, UserError) and isinstance(exc, builtin)
    assert str(exc) == "what happened; what to do"  # one line, as given (KeyError would quote it)


def test_the_cli_reports_a_user_error_as_one_line_and_lets_a_bug_through(capsys, monkeypatch):
    import tui.cli
    import tui.cli.listing

    def raise_user_error(*args):
        raise SensorSelectionError("sensor 'x' is not available here: gone")

    monkeypatch.setattr(tui.cli.listing, "print_sensors", raise_user_error)
    assert tui.cli.main(["sensors"]) == 2
    assert capsys.readouterr().err == "tocompress: error: sensor 'x' is not available here: gone\n"

    class SensorSelectionLookalike(
        ValueError
    ):  # the same kind of name, not a UserError: a bug keeps its traceback
        pass

    def raise_bug(*args):
        raise SensorSelectionLookalike("bug")

    monkeypatch.setattr(tui.cli.listing, "print_sensors", raise_bug)
    with pytest.raises(SensorSelectionLookalike):
        tui.cli.main(["sensors"])
