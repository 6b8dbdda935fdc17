"""The run's status from its variants' blocks, errors and the cancel flag (core.run.status.run_status)."""

from __future__ import annotations

import pytest

from core.run.status import run_status

DONE = {"variant": "baseline", "status": "complete", "model": {"size_bytes": 1}, "latency": {"n": 5}}
SIZED = {"variant": "q8", "status": "failed", "model": {"size_bytes": 1}, "latency": None}
NOTHING = {"variant": "q8", "status": "failed", "model": None, "latency": None}


@pytest.mark.parametrize(
    ("runs", "expected", "errors", "cancelled", "status"),
    [
        ([DONE, {**DONE, "variant": "q8"}], 2, [], False, "complete"),
        ([DONE], 2, [], False, "partial"),  # the second variant never ran
        ([DONE, SIZED], 2, ["q8: worker was killed"], False, "partial"),
        ([NOTHING], 1, ["cannot start worker"], False, "failed"),
        ([], 2, [], False, "failed"),
        ([DONE, {**DONE, "variant": "q8"}], 2, ["interrupted by Ctrl-C"], False, "partial"),
        ([DONE], 2, [], True, "cancelled"),
        ([], 2, [], True, "cancelled"),
        ([{**DONE, "status": "partial"}], 1, [], False, "partial"),
    ],
)
def test_run_status(runs, expected, errors, cancelled, status):
    assert run_status(runs, expected, errors, cancelled) == status
